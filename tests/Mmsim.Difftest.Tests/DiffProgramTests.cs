namespace Mmsim.Difftest.Tests;

public sealed class DiffProgramTests
{
    private const string Text = """
        # a program
        0 - brk 0
        1 - mmap 0 0x40000000 0 0x4022 -1 0
        2 - mmap $1+0x200000 0x3000 3 0x32 -1 0
        3 - fork
        4 3 munmap $2 0x1000
        5 3 mprotect $2-0x1000 0x2000 1
        6 - mincore $1+0x200000 0x3000
        """;

    [Fact]
    public void ParseAndFormatRoundTrip()
    {
        DiffProgram p = DiffProgram.Parse(Text, "p.txt");
        Assert.Equal("a program", p.Comment);
        Assert.Equal(7, p.Calls.Count);
        Assert.Equal(new DiffArg(1, 0x200000), p.Calls[2].Args[0]);
        Assert.Equal(new DiffArg(2, -0x1000), p.Calls[5].Args[0]);
        Assert.Equal(3, p.Calls[4].Owner);
        Assert.Equal(Text.Replace("        ", "", StringComparison.Ordinal).Trim() + "\n", p.Format());
    }

    [Theory]
    [InlineData("0 - frobnicate 1", "p.txt:1: unknown operation 'frobnicate'")]
    [InlineData("0 - brk $1", "p.txt:1: '$1' refers to no earlier call")]
    [InlineData("0 - brk 0\n0 - brk 0", "p.txt:2: bad or repeated call id '0'")]
    [InlineData("0 7 brk 0", "p.txt:1: owner '7' is not an earlier call")]
    [InlineData("0 - brk 0x", "p.txt:1: bad number '0x'")]
    public void MalformedLinesNameTheirLine(string text, string message)
    {
        FormatException e = Assert.Throws<FormatException>(() => DiffProgram.Parse(text, "p.txt"));
        Assert.Equal(message, e.Message);
    }

    /// <summary>
    /// Removing call 2 takes what uses its result (4, 5) with it; removing the fork takes its child's calls:
    ///
    ///   0 brk   1 mmap   2 mmap($1)   3 fork { 4 munmap($2)  5 mprotect($2) }   6 mincore($1)
    /// </summary>
    [Fact]
    public void WithoutDropsTheCallsThatDependOnTheRemovedOnes()
    {
        DiffProgram p = DiffProgram.Parse(Text, "p.txt");
        Assert.Equal([0, 1, 3, 6], Ids(p.Without(new HashSet<int> { 2 })));
        Assert.Equal([0, 1, 2, 6], Ids(p.Without(new HashSet<int> { 3 })));
        Assert.Equal([0, 3], Ids(p.Without(new HashSet<int> { 1 })));
    }

    private static int[] Ids(DiffProgram p) => [.. p.Calls.Select(c => c.Id)];
}
