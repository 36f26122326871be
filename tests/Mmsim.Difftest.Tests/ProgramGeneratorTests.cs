namespace Mmsim.Difftest.Tests;

public sealed class ProgramGeneratorTests
{
    [Fact]
    public void TheSameSeedGivesTheSameProgram()
    {
        string a = ProgramGenerator.Generate(ProgramGenerator.SeedOf(42, 7), 200).Format();
        string b = ProgramGenerator.Generate(ProgramGenerator.SeedOf(42, 7), 200).Format();
        string c = ProgramGenerator.Generate(ProgramGenerator.SeedOf(42, 8), 200).Format();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ProgramsStartWithBrkAndTheArenaAndParseBack()
    {
        for (int i = 0; i < 50; i++)
        {
            DiffProgram p = ProgramGenerator.Generate(ProgramGenerator.SeedOf(1, i), 200);
            Assert.True(p.Calls.Count >= 200);
            Assert.Equal("0 - brk 0", p.Calls[0].ToString());
            Assert.Equal("1 - mmap 0 0x40000000 0 0x4022 -1 0", p.Calls[1].ToString());
            DiffProgram back = DiffProgram.Parse(p.Format(), "gen");
            Assert.Equal(p.Format(), back.Format());
        }
    }

    [Fact]
    public void ProgramsCoverEveryOperation()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            foreach (DiffCall c in ProgramGenerator.Generate(ProgramGenerator.SeedOf(3, i), 200).Calls)
            {
                seen.Add(c.Op);
            }
        }
        Assert.Equal(DiffProgram.Ops.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }
}
