using Mmsim.Mm;
using Mmsim.Proc;

namespace Mmsim.Tests.Proc;

/// <summary>status, statm and smaps_rollup against recordings of the real kernel.</summary>
public sealed class ProcStatusTests
{
    public static TheoryData<string> StatusFiles()
    {
        var d = new TheoryData<string>();
        foreach (string f in ProcFixtures.All("status", "status"))
        {
            d.Add(Path.GetRelativePath(ProcFixtures.Machine(".."), f));
        }
        d.Add(Path.Combine("fixtures-machine", "procself", "status"));
        return d;
    }

    /// <summary>Reads the memory block of a status file back into model counters: the VM counters
    /// of an MmStruct (with a code segment of VmExe bytes and exec_vm = VmExe + VmLib) and an RssStat.</summary>
    private static (MmStruct Mm, RssStat Rss) MemoryOf(string status)
    {
        var kb = new Dictionary<string, ulong>();
        foreach (string line in status.Split('\n'))
        {
            if (line.EndsWith(" kB", StringComparison.Ordinal))
            {
                int tab = line.IndexOf(":\t", StringComparison.Ordinal);
                kb[line[..tab]] = ulong.Parse(line[(tab + 2)..^3].Trim());
            }
        }
        var mm = new MmStruct(MmConfig.Default)
        {
            TotalVm = kb["VmSize"] / 4,
            HiwaterVm = kb["VmPeak"] / 4,
            LockedVm = kb["VmLck"] / 4,
            PinnedVm = kb["VmPin"] / 4,
            DataVm = kb["VmData"] / 4,
            StackVm = kb["VmStk"] / 4,
            ExecVm = (kb["VmExe"] + kb["VmLib"]) / 4,
            StartCode = 0x555555555123,
        };
        // A code segment starting mid-page: task_mem() rounds start down and end up.
        mm.EndCode = mm.StartCode + (kb["VmExe"] << 10) - 0x1000 + 1;
        var rss = new RssStat
        {
            AnonPages = kb["RssAnon"] / 4,
            FilePages = kb["RssFile"] / 4,
            ShmemPages = kb["RssShmem"] / 4,
            SwapEnts = kb["VmSwap"] / 4,
            HiwaterRss = kb["VmHWM"] / 4,
            PgtablesBytes = kb["VmPTE"] << 10,
            HugetlbUsage = kb["HugetlbPages"] / 4,
        };
        return (mm, rss);
    }

    [Theory]
    [MemberData(nameof(StatusFiles))]
    public void RealStatusByteForByte(string rel)
    {
        string real = File.ReadAllText(ProcFixtures.Machine(Path.Combine("..", rel)));
        (MmStruct mm, RssStat rss) = MemoryOf(real);
        Assert.Equal(real, ProcStatus.Format(TaskStatusRecord.Parse(real), mm, rss));
    }

    [Fact]
    public void VmExeIsCappedByExecVm()
    {
        // A 3-page code segment, but only 2 executable pages mapped: VmExe 8 kB, VmLib 0.
        // With 10 executable pages: VmExe 12 kB, VmLib 28 kB.
        var mm = new MmStruct(MmConfig.Default) { StartCode = 0x401000, EndCode = 0x403800, ExecVm = 2 };
        Assert.Equal((0x2000UL, 0UL), TaskMem.TextLib(mm));
        mm.ExecVm = 10;
        Assert.Equal((0x3000UL, 0x7000UL), TaskMem.TextLib(mm));
    }

    [Fact]
    public void StatusOfATaskWithoutMm()
    {
        var t = new TaskStatusRecord { Name = "kthreadd", Pid = 2, Tgid = 2, Kthread = true };
        string s = ProcStatus.Format(t, null, default);
        Assert.DoesNotContain("VmSize", s, StringComparison.Ordinal);
        Assert.DoesNotContain("THP_enabled", s, StringComparison.Ordinal);
        Assert.Contains("Kthread:\t1\nThreads:\t1\n", s, StringComparison.Ordinal);
    }

    [Fact]
    public void StatmOfTheRecordedProcess()
    {
        // procself: status says VmSize 20124 kB, VmRSS 7728, RssFile 1336, RssShmem 8, VmExe 4,
        // VmData 17808, VmStk 148; statm is in pages.
        string status = File.ReadAllText(ProcFixtures.Machine(Path.Combine("procself", "status")));
        (MmStruct mm, RssStat rss) = MemoryOf(status);
        Assert.Equal(File.ReadAllText(ProcFixtures.Machine(Path.Combine("procself", "statm"))), ProcStatm.Format(mm, rss));
        Assert.Equal("0 0 0 0 0 0 0\n", ProcStatm.Format(null, rss));
    }

    [Fact]
    public void SmapsRollupOfTheRecordedProcess()
    {
        // The rollup header spans the first VMA's start to the last VMA's end ([stack]); its
        // non-proportional sums equal the sums over the smaps of the same moment.
        string real = File.ReadAllText(ProcFixtures.Machine(Path.Combine("procself", "smaps_rollup")));
        string[] lines = real.TrimEnd('\n').Split('\n');
        MemSizeStats mss = SmapsFile.RollupStats(lines.Skip(1));
        string[] range = lines[0].Split(' ')[0].Split('-');
        var sb = new System.Text.StringBuilder();
        ProcSmapsRollup.Append(sb, Convert.ToUInt64(range[0], 16), Convert.ToUInt64(range[1], 16), mss);
        Assert.Equal(real, sb.ToString());

        SmapsFile smaps = SmapsFile.Parse(File.ReadAllText(ProcFixtures.Machine(Path.Combine("procself", "smaps"))));
        ulong rss = 0;
        ulong anon = 0;
        ulong thp = 0;
        foreach ((Vma _, MemSizeStats m, bool _, string _) in smaps.Vmas)
        {
            rss += m.Resident;
            anon += m.Anonymous;
            thp += m.AnonymousThp;
        }
        Assert.Equal((mss.Resident, mss.Anonymous, mss.AnonymousThp), (rss, anon, thp));
        Assert.Equal(smaps.Vmas[0].Vma.Start, Convert.ToUInt64(range[0], 16));
        Assert.Equal(smaps.Vmas[^1].Vma.End, Convert.ToUInt64(range[1], 16));
    }

    [Fact]
    public void SmapsRollupGathersEveryVma()
    {
        // Two VMAs each with one page shared by 3 mappers: Pss is summed before the shift, so the
        // rollup shows 2 * 4096/3 = 2730 bytes -> 2 kB, where each smaps entry shows 1 kB.
        var mm = new MmStruct(MmConfig.Default);
        mm.Vmas.Insert(new Vma(0x10000, 0x11000, VmFlags.DataDefault, 0x10, null));
        mm.Vmas.Insert(new Vma(0x20000, 0x21000, VmFlags.DataDefault, 0x20, null));
        string s = ProcSmapsRollup.Format(mm, (Vma v, ref MemSizeStats m) =>
        {
            m.Resident += 4096;
            m.SharedClean += 4096;
            m.Pss += (4096UL << MemSizeStats.PssShift) / 3;
        });
        Assert.StartsWith(
            "00010000-00021000 ---p 00000000 00:00 0                                  [rollup]\n" +
            "Rss:                   8 kB\nPss:                   2 kB\n", s, StringComparison.Ordinal);
    }
}
