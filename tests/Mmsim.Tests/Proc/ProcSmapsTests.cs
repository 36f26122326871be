using System.Text;
using Mmsim.Mm;
using Mmsim.Proc;

namespace Mmsim.Tests.Proc;

/// <summary>smaps and smaps_rollup against the recordings of the real kernel, byte for byte.</summary>
public sealed class ProcSmapsTests
{
    public static TheoryData<string> SmapsFiles()
    {
        var d = new TheoryData<string>();
        foreach (string f in ProcFixtures.All("smaps", "smaps"))
        {
            d.Add(Path.GetRelativePath(ProcFixtures.Machine(".."), f));
        }
        d.Add(Path.Combine("fixtures-machine", "procself", "smaps"));
        d.Add(Path.Combine("fixtures-machine", "procflags", "smaps"));
        return d;
    }

    [Theory]
    [MemberData(nameof(SmapsFiles))]
    public void RealSmapsByteForByte(string rel)
    {
        // Each VMA's maps line is rebuilt by ProcMaps from a Vma, its VmFlags from the mnemonics
        // (mnemonics -> flags -> mnemonics), THPeligible is recomputed from the flags and size, and
        // the statistics are printed from a MemSizeStats; then the whole text must be equal.
        string real = File.ReadAllText(ProcFixtures.Machine(Path.Combine("..", rel)));
        SmapsFile f = SmapsFile.Parse(real);
        var cfg = new SmapsConfig(PkeysEnabled: f.Pkeys);
        var sb = new StringBuilder(real.Length);
        foreach ((Vma vma, MemSizeStats mss, bool thp, string header) in f.Vmas)
        {
            Assert.True(thp == ThpEligible.Pmd(vma, cfg), $"THPeligible of {header}");
            ProcSmaps.AppendVma(sb, f.Mm, vma, mss, cfg);
        }
        ProcSmaps.AppendGate(sb, cfg);
        Assert.Equal(real, sb.ToString());
    }

    [Fact]
    public void FormatWalksTheMmWithTheGatherer()
    {
        //   0x10000      0x11000            0x400000    0x800000
        //   | r-x file  |   ...   | rw- anon, hg, 4 MiB |
        // The anonymous VMA holds one 2 MiB-aligned PMD block: THPeligible 1.
        var mm = new MmStruct(MmConfig.Default);
        var sb = new StringBuilder();
        var vma = new Vma(0x400000, 0x800000, VmFlags.DataDefault | VmFlags.Account | VmFlags.HugePage, 0x400, null);
        var mss = new MemSizeStats { Resident = 8192, Anonymous = 8192, PrivateDirty = 8192, Pss = 8192UL << 12, PssDirty = 8192UL << 12, Referenced = 8192 };
        ProcSmaps.AppendVma(sb, mm, vma, mss, SmapsConfig.Reference);
        string text = sb.ToString();
        Assert.StartsWith("00400000-00800000 rw-p 00000000 00:00 0 \nSize:               4096 kB\n", text, StringComparison.Ordinal);
        Assert.Contains("\nRss:                   8 kB\nPss:                   8 kB\nPss_Dirty:             8 kB\n", text, StringComparison.Ordinal);
        Assert.EndsWith("THPeligible:           1\nVmFlags: rd wr mr mw me ac hg \n", text, StringComparison.Ordinal);

        // Shifted off the PMD alignment by one page (pgoff not matching), or 2 MiB - 4 KiB long: 0.
        Assert.False(ThpEligible.Pmd(ThpVmaKind.Anonymous, vma.Flags, 0x400000, 0x800000, 0x401, SmapsConfig.Reference));
        Assert.False(ThpEligible.Pmd(ThpVmaKind.Anonymous, vma.Flags, 0x401000, 0x600000, 0x401, SmapsConfig.Reference));
        Assert.True(ThpEligible.Pmd(ThpVmaKind.Anonymous, VmFlags.DataDefault, 0x400000, 0x800000, 0x400, new SmapsConfig(Thp: ThpMode.Always)));
        Assert.False(ThpEligible.Pmd(ThpVmaKind.Anonymous, vma.Flags, 0x400000, 0x800000, 0x400, new SmapsConfig(MmThpDisabled: true)));
        Assert.True(ThpEligible.Pmd(ThpVmaKind.Shmem, vma.Flags, 0x400000, 0x800000, 0, new SmapsConfig(ShmemThp: ShmemThpMode.Advise)));
        Assert.False(ThpEligible.Pmd(ThpVmaKind.File, vma.Flags, 0x400000, 0x800000, 0, SmapsConfig.Reference));
    }

    [Fact]
    public void VmFlagsInKernelBitOrder()
    {
        var sb = new StringBuilder();
        ProcSmaps.AppendVmFlags(sb, VmFlags.Sealed | VmFlags.Read | VmFlags.MaybeGuard | VmFlags.Locked | (VmFlags)(3UL << 32));
        Assert.Equal("VmFlags: rd gu lo sl \n", sb.ToString());
        Assert.Equal(3, ProcSmaps.Pkey((VmFlags)(3UL << 32)));
        Assert.Throws<FormatException>(() => ProcSmaps.ParseVmFlags("rd zz"));
    }
}
