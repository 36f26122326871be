using Mmsim.Mm;
using Mmsim.Replay;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Tests;

/// <summary>What the statements do to the model, asserted on the model and on the printed output.</summary>
public sealed class ScenarioRunTests
{
    [Fact]
    public void FivePagesThreeTouched()
    {
        //  $a                                          $a+20K
        //  | present | present | present | none | none |    one anonymous VMA
        (ScenarioRun run, string output) = Scn.Run("""
            process demo
            $a = mmap(NULL, 5*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
            write $a 3*4096
            show touched
            """);
        long a = run.Variable("a")!.Value;
        Assert.Equal(0x7ffff7ffa000, a); // top-down, right under the mmap base of an empty address space
        Assert.Contains("[pid 1000] mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffa000\n", output, StringComparison.Ordinal);
        Assert.Contains("== touched (line 4): pid 1000 (demo): VSZ 20 KiB, RSS 12 KiB, faults 3 (3 minor, 0 major)\n", output, StringComparison.Ordinal);
        ScenarioSample s = run.Timeline[^1];
        Assert.Equal(("touched", 20UL, 12UL, 3L), (s.Label, s.VszKiB, s.RssKiB, s.Faults));
    }

    [Fact]
    public void PmapPrintsWhatProcpsPmapPrints()
    {
        //  $a        $a+20K
        //  | w | w | w | . | . |    pmap: one [ anon ] line of 20K; -x: RSS 12, Dirty 12
        (_, string output) = Scn.Run("""
            process demo
            $a = mmap(NULL, 5*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
            write $a 3*4096
            pmap
            pmap demo -x
            """);
        Assert.Contains("1000:   demo\n00007ffff7ffa000     20K rw---   [ anon ]\n", output, StringComparison.Ordinal);
        Assert.Contains("00007ffff7ffa000      20      12      12 rw---   [ anon ]\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTimelineHasOneSamplePerStatement()
    {
        (ScenarioRun run, _) = Scn.Run("""
            process demo
            $a = mmap(NULL, 4*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
            write $a
            write $a + 4096 2*4096
            munmap($a, 4*4096)
            """);
        var rows = run.Timeline.Select(s => (s.Step, s.Line, s.VszKiB, s.RssKiB, s.Faults)).ToList();
        Assert.Equal([(0, 1, 0UL, 0UL, 0L), (1, 2, 16UL, 0UL, 0L), (2, 3, 16UL, 4UL, 1L), (3, 4, 16UL, 12UL, 3L), (4, 5, 0UL, 0UL, 3L)], rows);
    }

    [Fact]
    public void AWrittenResultIsCheckedLikeAReplay()
    {
        (ScenarioRun run, string output) = Scn.Run("""
            process demo
            mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ffd000
            mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x1234000
            munmap(0x1001, 4096) = -1 EINVAL (Invalid argument)
            """);
        Divergence d = Assert.Single(run.Divergences);
        Assert.Equal((3L, 1000, "mmap", 0x1234000L, 0x7ffff7ffb000L), (d.Line, d.Pid, d.Call, d.Recorded, d.Model));
        Assert.Contains("t.scn:3: pid 1000 mmap: recorded 0x1234000, model 0x7ffff7ffb000\n", output, StringComparison.Ordinal);
        Assert.Contains("munmap(0x1001, 4096) = -1 EINVAL\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ForkSharesFramesUntilAWriteCopiesOne()
    {
        (ScenarioRun run, _) = Scn.Run("""
            process parent
            $buf = mmap(NULL, 2*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
            write $buf 2*4096
            fork child
            in child
            write $buf + 4096
            """);
        Task parent = run.Kernel.Find(1000)!;
        Task child = run.Kernel.Find(1001)!;
        Assert.Same(child, run.Current);
        Assert.NotSame(parent.Mm, child.Mm);
        Assert.Equal((2L, 1L), (parent.MinFlt, child.MinFlt)); // the child's one fault is the COW copy
        Assert.Equal(2UL, Mmsim.Proc.RssStat.Of(child.Mm!).Rss);
        string pm = Statements.ShowStatement.ProcessFile(run, child, "smaps_rollup");
        Assert.Contains("Shared_Dirty:          4 kB", pm, StringComparison.Ordinal);
        Assert.Contains("Private_Dirty:         4 kB", pm, StringComparison.Ordinal);
    }

    [Fact]
    public void ASigsegvKillsTheProcessAndIsNoError()
    {
        (ScenarioRun run, string output) = Scn.Run("""
            process p
            $ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
            write $ro
            """);
        Assert.Contains("[pid 1000] --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x7ffff7ffe000} ---\n"
            + "[pid 1000] +++ killed by SIGSEGV (core dumped) +++\n", output, StringComparison.Ordinal);
        Assert.True(run.Kernel.Find(1000)!.Exited);
        (_, output) = Scn.Run("process p\nread 0x10 8192\n");
        Assert.Contains("si_code=SEGV_MAPERR, si_addr=0x10}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ThreadsShareTheMmAndAKernelThreadBorrowsIt()
    {
        (ScenarioRun run, string output) = Scn.Run("""
            process p
            thread t
            kthread kw
            schedule p on cpu 0
            schedule kw on cpu 0
            show mm
            """);
        Task p = run.Kernel.Find(1000)!;
        Task t = run.Kernel.Find(1001)!;
        Task kw = run.Kernel.Find(1002)!;
        Assert.Same(p.Mm, t.Mm);
        Assert.Equal(1000, t.Tgid);
        Assert.Null(kw.Mm);
        Assert.Same(p.Mm, kw.ActiveMm);
        Assert.Equal((2, 2), (p.Mm!.MmUsers, p.Mm.MmCount));
        Assert.Contains("pid 1002 (kw, kernel thread): mm (null), active_mm #1 (mm_users 2, mm_count 2)\n", output, StringComparison.Ordinal);
        // The thread's stack as pthread_create() maps it: a guard page, then 8 MiB.
        Assert.Contains("mmap(NULL, 8392704, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7ffff77fe000\n", output, StringComparison.Ordinal);
        Assert.Contains("clone(child_stack=0x7ffff7ffe000, flags=CLONE_VM|", output, StringComparison.Ordinal);
        run.Kernel.Validate();
    }

    [Fact]
    public void ExitingTheCurrentProcessReturnsToItsParent()
    {
        (ScenarioRun run, string output) = Scn.Run("process p\nfork c\nin c\nexit\nshow back\n");
        Assert.Same(run.Kernel.Find(1000), run.Current);
        Assert.Contains("[pid 1001] exit_group(0) = ?\n[pid 1001] +++ exited with 0 +++\n== back (line 5): pid 1000 (p)", output, StringComparison.Ordinal);
        run.Kernel.Validate();
    }

    [Fact]
    public void ALayoutIsExecdAsAStaticProgram()
    {
        //  0x400000 text r-xp | data rw-p (file) | bss rw-p (anon) | [heap] ... [stack]
        (ScenarioRun run, _) = Scn.Run("process g layout { text 12K; data 4K; bss 8K; heap 16K; stack 16K }\n");
        MmStruct mm = run.Current!.Mm!;
        var vmas = new List<(ulong, ulong, string?)>();
        for (Vma? v = mm.Vmas.First; v is not null; v = v.Next)
        {
            vmas.Add((v.Start, v.End, Mmsim.Proc.ProcMaps.Name(mm, v)));
        }
        Assert.Equal((0x400000UL, 0x403000UL, "/scenario/g"), vmas[0]);
        Assert.Equal((0x403000UL, 0x404000UL, "/scenario/g"), vmas[1]);
        Assert.Equal((0x404000UL, 0x406000UL, (string?)null), vmas[2]);
        Assert.Equal((0x406000UL, 0x40a000UL, "[heap]"), vmas[3]);
        Assert.Equal(0x406000UL, mm.StartBrk);
        // Four stack pages written, and the vDSO page the C library's start-up reads.
        Assert.Equal(5L, run.Current.MinFlt);
    }

    [Fact]
    public void CallsTheModelDoesNotAnswerGetTheirResultsFilledIn()
    {
        (ScenarioRun run, string output) = Scn.Run("""
            process p
            $fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY)
            $pid = fork()
            close($fd)
            trace off
            mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
            """);
        Assert.Equal((3L, 1001L), (run.Variable("fd"), run.Variable("pid")));
        Assert.Contains("[pid 1000] openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = 3\n[pid 1000] fork() = 1001\n[pid 1000] close(3) = 0\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("mmap", output, StringComparison.Ordinal);
        Assert.NotNull(run.Kernel.Find(1001));
    }

    [Fact]
    public void ANewStatementIsOneEntryInTheTable()
    {
        // How the pmap statement plugs in: a Statement subclass and its parser under a keyword.
        ScenarioSyntax syntax = ScenarioSyntax.CreateDefault();
        syntax.Add("vmacount", src => new VmaCount(src));
        (_, string output) = Scn.Run("process p\nmmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nvmacount\n", syntax);
        Assert.EndsWith("1 vmas\n", output, StringComparison.Ordinal);
        Assert.Contains("vmacount", syntax.Keywords);
    }

    private sealed class VmaCount(StatementSource src) : Statement(src)
    {
        public override void Execute(ScenarioRun run) => run.Out.WriteLine($"{run.CurrentTask(this).Mm!.MapCount} vmas");
    }

    [Fact]
    public void ExplainShowsTheWalkAndTheFault()
    {
        (_, string output) = Scn.Run("process p\n$a = mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nexplain $a write\nexplain $a read\n");
        Assert.Contains("cpu 0 write 0x7ffff7ffe000: TLB miss", output, StringComparison.Ordinal);
        Assert.Contains("#PF NotPresent (1 minor, 0 major)", output, StringComparison.Ordinal);
        Assert.Contains("cpu 0 read 0x7ffff7ffe000: L1 hit", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MachineFilesAreTheFormatters()
    {
        (_, string output) = Scn.Run("process p\nshow /proc/meminfo\nshow /proc/buddyinfo\nshow /proc/vmstat\nshow /proc/slabinfo\nshow cpus\n");
        Assert.StartsWith("MemTotal:", output, StringComparison.Ordinal);
        Assert.Contains("Node 0, zone      DMA", output, StringComparison.Ordinal);
        Assert.Contains("\nnr_free_pages ", output, StringComparison.Ordinal);
        Assert.Contains("slabinfo - version: 2.1", output, StringComparison.Ordinal);
        Assert.Contains("cpu 1: idle, loaded mm init_mm\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void PrintShowsAddressesInHexAndTheRestInDecimal()
    {
        (_, string output) = Scn.Run("process p\ntrace off\n$a = mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3, 0)\n$b = brk(NULL)\n$n = 3*4\nprint a=$a b=$b n=$n\nexit\nshow gone\n");
        Assert.Equal("a=-9 b=0 n=12\n== gone (line 8): pid 1000 (p, exited): VSZ 0 KiB, RSS 0 KiB, faults 0 (0 minor, 0 major)\n", output);
    }
}
