namespace Mmsim.Difftest.Tests;

public sealed class ShrinkerTests
{
    /// <summary>
    /// A program "fails" while it holds both call 40 and call 170 (and 40 uses call 1's result):
    /// the shrinker keeps exactly 1, 40 and 170, and the result still fails.
    /// </summary>
    [Fact]
    public void ShrinksToTheCallsTheFailureNeeds()
    {
        var calls = new List<DiffCall>();
        for (int i = 0; i < 200; i++)
        {
            DiffArg[] args = i == 40 ? [DiffArg.Ref(1, 0x1000), DiffArg.Num(0x1000)] : [DiffArg.Num(i), DiffArg.Num(0x1000)];
            calls.Add(new DiffCall(i, -1, "munmap", args));
        }
        var program = new DiffProgram(calls);
        static bool Fails(DiffProgram p) => p.Calls.Any(c => c.Id == 40) && p.Calls.Any(c => c.Id == 170);
        DiffProgram small = Shrinker.Shrink(program, Fails, 1000, out int runs);
        Assert.Equal([1, 40, 170], small.Calls.Select(c => c.Id).ToArray());
        Assert.True(runs < 200, $"{runs} runs");
    }
}
