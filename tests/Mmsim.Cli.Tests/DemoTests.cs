using Mmsim.Cli.Demo;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Pgtable;

namespace Mmsim.Cli.Tests;

/// <summary>
/// Every step of <c>mmsim demo</c> runs, and its key figures are the model's exact answers: the
/// ones the seeds state (RSS 12 KiB, VSZ 20 KiB; a fault brings in one frame from the buddy
/// allocator) and the ones the tour shows where the seeds are dated (mm_count outliving
/// mm_users, find_vma's answer for a hole, SEGV_MAPERR versus SEGV_ACCERR).
/// </summary>
public sealed class DemoTests
{
    private static DemoScene Run(string id, out string text)
    {
        DemoStep step = DemoTour.Find(id) ?? throw new InvalidOperationException(id);
        var o = new StringWriter();
        DemoScene scene = DemoTour.Run(step, 1, o);
        text = o.ToString();
        Assert.NotNull(scene.Kernel);
        scene.Kernel!.Validate();
        return scene;
    }

    private static DemoScene Run(string id) => Run(id, out _);

    [Fact]
    public void EveryStepHasAnIdATitleAQuoteAndAPicture()
    {
        Assert.Equal(
            ["address-space", "segfault", "mm-refcounts", "kernel-thread", "vma-tree", "mmap-munmap", "sleep", "gonzo", "page-walk", "rss-vsz", "brk-fault"],
            DemoTour.Steps.Select(s => s.Id));
        foreach (DemoStep s in DemoTour.Steps)
        {
            Assert.NotEmpty(s.Quotes);
            Assert.False(string.IsNullOrWhiteSpace(s.Title));
        }
    }

    [Fact]
    public void RssVsz_FivePagesThreePresent_Rss12KiB_Vsz20KiB()
    {
        //  0x10000000  [0][1][2][3][4]   written: 0, 2, 3
        //               P  .  P  P  .    → RSS 3 pages = 12 KiB, VSZ 5 pages = 20 KiB
        //  then a write to page 1: one minor fault, RSS 16 KiB, VSZ unchanged
        DemoScene s = Run("rss-vsz", out string text);
        Assert.Equal((20L, 12L, 3L), (s["vsz_kib"], s["rss_kib"], s["present"]));
        Assert.Equal((1L, 1L, 16L), (s["fault.faults"], s["fault.minor"], s["after.rss_kib"]));
        Assert.Contains("VmSize:       20 kB", text, StringComparison.Ordinal);
        Assert.Contains("VmRSS:       12 kB", text, StringComparison.Ordinal);
        Assert.Equal(RssVszStep.Base, s.Address);
    }

    [Fact]
    public void MmRefcounts_AfterEachEvent()
    {
        //  event                         100: users/count   102: users/count   mm_struct objects
        //  0 exec                         1/1                 -                 1
        //  1 clone(CLONE_VM) thread       2/1                 -                 1
        //  2 fork child 102               2/1                 1/1               2
        //  3 102 exits on CPU 1           2/1                 0/1 (lazy)        2
        //  4 thread runs on CPU 1         2/1                 0/0 freed         1
        //  5 thread exits on CPU 1        1/2 (lazy)                            1
        //  6 100 exits on CPU 0           0/2 (two lazy)                        1
        //  7 process 200 on CPU 0         0/1                                   2
        //  8 its thread on CPU 1          0/0 freed                             1
        DemoScene s = Run("mm-refcounts");
        long[][] p = [[1, 1], [2, 1], [2, 1], [2, 1], [2, 1], [1, 2], [0, 2], [0, 1], [0, 0]];
        long[] objs = [1, 1, 2, 2, 1, 1, 1, 2, 1];
        for (int e = 0; e < p.Length; e++)
        {
            Assert.Equal((p[e][0], p[e][1], objs[e]), (s[$"e{e}.p.mm_users"], s[$"e{e}.p.mm_count"], s[$"e{e}.mm_struct_objs"]));
        }
        Assert.Equal((1L, 1L), (s["e2.c.mm_users"], s["e2.c.mm_count"]));
        Assert.Equal((0L, 1L), (s["e3.c.mm_users"], s["e3.c.mm_count"]));
        Assert.Equal((0L, 0L), (s["e4.c.mm_users"], s["e4.c.mm_count"]));
        Assert.False(s.Figures.ContainsKey("e1.c.mm_users"));
        //  fork: the child's 7 VMAs are new vm_area_struct objects (7 → 14); the thread added none
        Assert.Equal((7L, 7L, 14L), (s["fork.map_count"], s["fork.vma_objs_before"], s["fork.vma_objs_after"]));
    }

    [Fact]
    public void KernelThread_BorrowsActiveMmWithALazyReference()
    {
        DemoScene s = Run("kernel-thread");
        Assert.Equal((1L, 1L, 1L, 2L, 1L, 1L),
            (s["before.mm_count"], s["kthread.mm_is_null"], s["kthread.borrows"], s["kthread.mm_count"], s["kthread.lazy"], s["after.mm_count"]));
    }

    [Fact]
    public void BrkFault_FourSteps_TheFrameFromTheBuddyAllocator()
    {
        //  heap 606000..608000 written (8 KiB) → brk 609000: the same VMA, 12 KiB, page 608000 none
        //  → write 608040: one minor fault, do_anonymous_page() gets order 0 from DMA32: PFN 0x1020,
        //    the buddy had no free order-0 page and split an order-5 block
        DemoScene s = Run("brk-fault", out string text);
        Assert.Equal((8L, 12L), (s["step1.heap_kib"], s["step2.heap_kib"]));
        Assert.Equal((1L, 1L), (s["fault.faults"], s["fault.minor"]));
        Assert.Equal((0x1020L, 0L, (long)ZoneType.Dma32, 5L, 1L), (s["frame.pfn"], s["frame.order"], s["frame.zone"], s["frame.split_order"], s["frame.refcount"]));
        Assert.Equal(0x608040UL, s.Address);
        MmStruct mm = s.Kernel!.Find(s.Pid)!.Mm!;
        Assert.Equal(0x1020UL, PgtableTypes.EntryPfn(mm.Paging!.EntryAt(0x608000, out _)));
        Assert.Equal(ZoneType.Dma32, s.Kernel.Paging!.Phys.ZoneOf(0x1020).Type);
        Assert.Contains("got PFN 0x1020", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Segfault_MaperrForNullAccerrForWritingCode()
    {
        DemoScene s = Run("segfault", out string text);
        Assert.Equal((SegfaultStep.SegvMaperr, SegfaultStep.SegvAccerr), ((int)s["null.si_code"], (int)s["text_write.si_code"]));
        Assert.Equal((1, 2), (SegfaultStep.SegvMaperr, SegfaultStep.SegvAccerr));
        Assert.Equal((0L, 0L), (s["exit.mm_users"], s["exit.map_count"]));
        Assert.Contains("si_code=SEGV_MAPERR (1), si_addr=0x0}", text, StringComparison.Ordinal);
        Assert.Contains("si_code=SEGV_ACCERR (2), si_addr=0x401000}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void VmaTree_FindVmaAnswers()
    {
        //  #0 text 400000 .. #3 heap 606000-627000 | hole | #4 anon 7ffff7dff000 ... #13 stack 7ffffffde000
        //  find_vma(0x100)          = #0, prev NULL      (below everything: the first area)
        //  find_vma(0x401234)       = #0, prev NULL      (inside)
        //  find_vma(0x628000)       = #4, prev #3 heap   (a hole: the area above)
        //  find_vma(TASK_SIZE)      = NULL, prev #13     (above everything)
        DemoScene s = Run("vma-tree", out string text);
        Assert.Equal(14L, s["map_count"]);
        Assert.Equal((0x400000L, 0L), (s["find_vma.0"], s["find_vma_prev.0"]));
        Assert.Equal((0x400000L, 0L), (s["find_vma.1"], s["find_vma_prev.1"]));
        Assert.Equal((0x7ffff7dff000L, 0x606000L), (s["find_vma.2"], s["find_vma_prev.2"]));
        Assert.Equal((0L, 0x7ffffffde000L), (s["find_vma.3"], s["find_vma_prev.3"]));
        Assert.Contains("vm_flags  = VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC|VM_ACCOUNT|VM_SOFTDIRTY\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void MmapMunmap_SplitAndMergeRanges()
    {
        //  lo = 7ffff7ff3000, four pages:
        //   s0 |..aa|  s1 |aaaa|  s2 |a.bb|  s3 |aaaa|  s4 |aabc|  s5 |aaaa|  s6 |....|
        DemoScene s = Run("mmap-munmap");
        const long Lo = 0x7ffff7ff3000;
        const long P = 0x1000;
        (long, long)[][] expect =
        [
            [(Lo + (2 * P), Lo + (4 * P))],
            [(Lo, Lo + (4 * P))],
            [(Lo, Lo + P), (Lo + (2 * P), Lo + (4 * P))],
            [(Lo, Lo + (4 * P))],
            [(Lo, Lo + (2 * P)), (Lo + (2 * P), Lo + (3 * P)), (Lo + (3 * P), Lo + (4 * P))],
            [(Lo, Lo + (4 * P))],
            [],
        ];
        for (int n = 0; n < expect.Length; n++)
        {
            Assert.Equal(expect[n].Length, s[$"s{n}.count"]);
            for (int i = 0; i < expect[n].Length; i++)
            {
                Assert.Equal(expect[n][i], (s[$"s{n}.vma{i}.start"], s[$"s{n}.vma{i}.end"]));
            }
        }
    }

    [Fact]
    public void Sleep_ReplaysWithoutDivergenceAndRebuildsTheRealMaps()
    {
        var step = (SleepStep)DemoTour.Find("sleep")!;
        var o = new StringWriter();
        DemoScene s = DemoTour.Run(step, 7, o);
        Assert.Equal(0L, s["divergences"]);
        Assert.Equal(83L, s["calls"]);
        Assert.Equal(36L, s["map_count"]);
        string dir = Path.Combine(FixtureReplayTests.FixturesDir(), "real_sleep", "maps");
        string real = File.ReadAllText(Directory.GetFiles(dir)[0]);
        Assert.Equal(FixtureReplayTests.Normalize(real), FixtureReplayTests.Normalize(step.Maps!));
        Assert.Contains("bss of the C library", o.ToString(), StringComparison.Ordinal);
        // pmap of the model's sleep against what the real pmap printed for a real `sleep 0.1`
        // (tests/fixtures-pmap): the same lines but the header (the command line) and the stack
        // (its place depends on the environment's size).
        string realPmap = File.ReadAllText(Directory.GetFiles(Path.Combine(FixtureReplayTests.FixturesDir() + "-pmap", "replay", "sleep"), "pmap", SearchOption.AllDirectories)[0]);
        string[] realLines = realPmap.TrimEnd('\n').Split('\n');
        string[] modelLines = step.Pmap!.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^\d+:   sleep 3000$", modelLines[0]);
        Assert.Equal(realLines.Length, modelLines.Length);
        for (int i = 1; i < realLines.Length; i++)
        {
            if (!realLines[i].EndsWith("[ stack ]", StringComparison.Ordinal))
            {
                Assert.Equal(realLines[i], modelLines[i]);
            }
        }
        Assert.Contains($"$ pmap {s.Pid}", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Gonzo_LayoutFields()
    {
        DemoScene s = Run("gonzo", out string text);
        Assert.Equal((0x400000L, 0x603038L, 0x606000L, 0x627000L, 0x7ffff7fff000L),
            (s["start_code"], s["end_data"], s["start_brk"], s["brk"], s["mmap_base"]));
        Assert.Equal((14L, 2340L), (s["map_count"], s["vsz_kib"]));
        foreach (string kind in (string[])["text (code segment)", "data segment", "bss (anonymous)", "heap (brk area)", "anonymous memory", "stack"])
        {
            Assert.Contains(kind, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AddressSpace_AreasOfEveryKind()
    {
        DemoScene s = Run("address-space", out string text);
        Assert.Equal((0x7ffffffff000L, 16L, 2368L), (s["task_size"], s["map_count"], s["vsz_kib"]));
        foreach (string kind in (string[])["text (code segment)", "data segment", "bss (anonymous)", "heap (brk area)", "stack", "memory-mapped file", "shared memory segment", "anonymous memory"])
        {
            Assert.Contains(kind, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PageWalk_TwoLevelAndFourLevel_MissThenHit()
    {
        //  0x0804b123 = | PGD 0x020 | PTE 0x04b | 0x123 |            (i386, 10/10/12)
        //  0x7f0012345abc = | PGD 0x0fe | PUD 0x000 | PMD 0x091 | PTE 0x145 | 0xabc |
        //  first write: a walk to the empty entry (1 ref), #PF, the full walk (2 or 4 refs); then an L1 hit
        DemoScene s = Run("page-walk");
        Assert.Equal((2L, 0x20L, 0x4bL), (s["two.levels"], s["two.index0"], s["two.index1"]));
        Assert.Equal((2L, 3L, 1L, 2L), (s["two.first.walks"], s["two.first.refs"], s["two.first.faults"], s["two.first.levels_after"]));
        Assert.Equal((4L, 0xfeL, 0L, 0x91L, 0x145L), (s["four.levels"], s["four.index0"], s["four.index1"], s["four.index2"], s["four.index3"]));
        Assert.Equal((2L, 5L, 1L, 4L), (s["four.first.walks"], s["four.first.refs"], s["four.first.faults"], s["four.first.levels_after"]));
        Assert.Equal((long)Arch.X86.TlbHitLevel.Walk, s["four.first.hit"]);
        Assert.Equal(((long)Arch.X86.TlbHitLevel.L1, 0L), (s["four.second.hit"], s["four.second.refs"]));
        Assert.Equal(((long)Arch.X86.TlbHitLevel.L1, 0L), (s["two.second.hit"], s["two.second.refs"]));
        Assert.Equal(0xabcL, s["four.pa"] & 0xfff);
    }

    [Fact]
    public void DemoRunsEveryStepWithExit0()
    {
        (int status, string stdout, string stderr) = BadInputTests.Run("demo");
        Assert.Equal(0, status);
        Assert.Equal(string.Empty, stderr);
        for (int i = 0; i < DemoTour.Steps.Count; i++)
        {
            Assert.Contains($"{i + 1}. {DemoTour.Steps[i].Title}  [{DemoTour.Steps[i].Id}]", stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ListAndOneStep()
    {
        (int status, string list, _) = BadInputTests.Run("demo", "--list");
        Assert.Equal(0, status);
        Assert.Equal(DemoTour.Steps.Count, list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("rss-vsz", list, StringComparison.Ordinal);
        (status, string one, _) = BadInputTests.Run("demo", "rss-vsz");
        Assert.Equal(0, status);
        Assert.StartsWith("10. A five-page area", one, StringComparison.Ordinal);
        Assert.DoesNotContain("[brk-fault]", one, StringComparison.Ordinal);
        Assert.Equal(one, BadInputTests.Run("demo", "10").Out);
    }

    [Theory]
    [InlineData("nosuch", "no step 'nosuch'")]
    [InlineData("12", "no step '12'")]
    [InlineData("--svg", "--svg needs a directory")]
    [InlineData("--fast", "unexpected argument '--fast'")]
    public void BadStepOrOptionIsExit2(string arg, string message)
    {
        (int status, string stdout, string stderr) = BadInputTests.Run("demo", arg);
        Assert.Equal(2, status);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SvgOfOneStepWritesItsPictureOnly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mmsim-demo-svg-" + Guid.NewGuid().ToString("N"));
        try
        {
            (int status, string stdout, _) = BadInputTests.Run("demo", "--svg", dir, "rss-vsz");
            Assert.Equal(0, status);
            Assert.Contains("[rss-vsz]", stdout, StringComparison.Ordinal);
            Assert.Equal(["10-rss-vsz.svg"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void WrapKeepsWordsAndCountsCjkAsTwoColumns()
    {
        Assert.Equal(["aaa bbb", "ccc"], DemoTour.Wrap("aaa bbb ccc", 8));
        Assert.Equal(["內存內存", "內存"], DemoTour.Wrap("內存內存內存", 8));
    }
}

/// <summary><c>mmsim demo --svg DIR</c>: one picture per step, drawn from the model the step left.</summary>
public sealed class DemoPictureTests
{
    [Fact]
    public void EveryStepWritesAWellFormedPicture()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mmsim-demo-svg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var o = new StringWriter();
            Assert.Equal(0, Program.Run(["demo", "--svg", dir], o, TextWriter.Null));
            string[] files = Directory.GetFiles(dir, "*.svg").Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(DemoTour.Steps.Count, files.Length);
            for (int i = 0; i < files.Length; i++)
            {
                Assert.Equal($"{i + 1:D2}-{DemoTour.Steps[i].Id}.svg", Path.GetFileName(files[i]));
                System.Xml.Linq.XDocument doc = System.Xml.Linq.XDocument.Load(files[i]);
                Assert.Equal("svg", doc.Root!.Name.LocalName);
                Assert.Contains($"picture: {files[i]}", o.ToString(), StringComparison.Ordinal);
            }
            // The seed's own figures are on the pictures: the NULL read's SIGSEGV, RSS against VSZ.
            Assert.Contains("SEGV_MAPERR", File.ReadAllText(Path.Combine(dir, "02-segfault.svg")), StringComparison.Ordinal);
            string rss = File.ReadAllText(Path.Combine(dir, "10-rss-vsz.svg"));
            Assert.Contains("VSZ 20 KiB", rss, StringComparison.Ordinal);
            Assert.Contains("RSS 12 KiB", rss, StringComparison.Ordinal);
            Assert.Contains("sleep (pid", File.ReadAllText(Path.Combine(dir, "07-sleep.svg")), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
