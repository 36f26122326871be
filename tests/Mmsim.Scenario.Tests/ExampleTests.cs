namespace Mmsim.Scenario.Tests;

/// <summary>Every scenario under examples/ runs, and its key figures are what the experiment is about.</summary>
public sealed class ExampleTests
{
    private static string ExamplesDir()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "mmsim.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("mmsim.slnx"), "examples");
    }

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.GetFiles(ExamplesDir(), "*.scn").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    private static (ScenarioRun Run, string Output) RunExample(string name)
    {
        var sw = new StringWriter { NewLine = "\n" };
        ScenarioRun run = ScenarioRun.Execute(File.ReadAllText(Path.Combine(ExamplesDir(), name)), name, TestHost.Instance, sw, baseDirectory: ExamplesDir());
        return (run, sw.ToString());
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void RunsWithoutDivergence(string name)
    {
        (ScenarioRun run, string output) = RunExample(name);
        Assert.Empty(run.Divergences);
        Assert.NotEmpty(output);
        // layout.scn ends with bss and [heap] side by side, alike but unmerged, as the kernel leaves
        // them (brk() expands only from start_brk up: vma_prev_limit()); the validator knows that.
        run.Kernel.Validate();
    }

    [Fact]
    public void FivePages()
    {
        (_, string output) = RunExample("five-pages.scn");
        Assert.Contains("VSZ 20 KiB, RSS 0 KiB, faults 0", output, StringComparison.Ordinal);
        Assert.Contains("VSZ 20 KiB, RSS 12 KiB, faults 3 (3 minor, 0 major)", output, StringComparison.Ordinal);
        Assert.Contains("7ffff7ffa000-7ffff7fff000 rw-p 00000000 00:00 0 \n", output, StringComparison.Ordinal);
        Assert.Equal(3, output.Split("present pfn").Length - 1);
        Assert.Equal(2, output.Split(": not present").Length - 1);
    }

    [Fact]
    public void ForkCow()
    {
        (_, string output) = RunExample("fork-cow.scn");
        Assert.Contains("== before-fork (line 9): pid 1000 (parent): VSZ 16 KiB, RSS 16 KiB, faults 4", output, StringComparison.Ordinal);
        Assert.Contains("== child-wrote (line 15): pid 1001 (parent): VSZ 16 KiB, RSS 16 KiB, faults 1 (1 minor", output, StringComparison.Ordinal);
        // After the fork both map the same four frames; after the write the child's page 1 is its own.
        string[] lines = output.Split('\n');
        string[] page1 = lines.Where(l => l.StartsWith("0x7ffff7ffc000: present", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, page1.Length);
        Assert.Equal(page1[0], page1[1]);
        Assert.NotEqual(page1[0].Split(' ')[3], page1[2].Split(' ')[3]);
        Assert.EndsWith("anon exclusive", page1[2], StringComparison.Ordinal);
        Assert.Contains("Shared_Dirty:         12 kB\nPrivate_Clean:         0 kB\nPrivate_Dirty:         4 kB", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BrkGrowth()
    {
        (_, string output) = RunExample("brk-growth.scn");
        Assert.Contains("[pid 1000] brk(NULL) = 0x404000\n[pid 1000] brk(0x405000) = 0x405000\n", output, StringComparison.Ordinal);
        Assert.Contains("00404000-00405000 rw-p 00000000 00:00 0                                  [heap]\n", output, StringComparison.Ordinal);
        Assert.Contains("0x404000: not present\n== before-touch (line 15): pid 1000 (prog): VSZ 184 KiB, RSS 4 KiB, faults 1", output, StringComparison.Ordinal);
        Assert.Contains("== after-touch (line 17): pid 1000 (prog): VSZ 184 KiB, RSS 8 KiB, faults 2", output, StringComparison.Ordinal);
        Assert.Contains("00404000-00425000 rw-p 00000000 00:00 0                                  [heap]\n", output, StringComparison.Ordinal);
        Assert.Contains("== shrunk (line 22): pid 1000 (prog): VSZ 180 KiB, RSS 4 KiB", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MprotectSplitMerge()
    {
        (_, string output) = RunExample("mprotect-split-merge.scn");
        Assert.Contains("7ffff7ffb000-7ffff7ffc000 rw-p 00000000 00:00 0 \n7ffff7ffc000-7ffff7ffd000 r--p 00000000 00:00 0 \n"
            + "7ffff7ffd000-7ffff7fff000 rw-p 00000000 00:00 0 \n", output, StringComparison.Ordinal);
        Assert.Equal(2, output.Split("7ffff7ffb000-7ffff7fff000 rw-p").Length - 1); // one VMA before the split and after the merge
        Assert.Contains("7ffff7ffb000-7ffff7ffd000 rw-p 00000000 00:00 0 \n7ffff7ffe000-7ffff7fff000 rw-p", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SleepReplayedHasTheKernelsMaps()
    {
        (_, string output) = RunExample("sleep-replayed.scn");
        // Ranges, permissions and offsets as the kernel had them (device, inode and path depend on the host's
        // stat(): byte for byte through the CLI's host files, see RunCommandTests).
        static string Cols(IEnumerable<string> lines) => string.Join("\n", lines.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(3))));
        string recorded = File.ReadAllText(Path.Combine(ExamplesDir(), "..", "tests", "fixtures", "real_sleep", "maps", "17878.maps"));
        Assert.StartsWith("[pid 17878] replayed 82 calls of trace.log (0 diverged), held at exit_group\n", output, StringComparison.Ordinal);
        string[] shown = output.Split('\n').Skip(1).TakeWhile(l => !l.StartsWith("==", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Cols(recorded.TrimEnd('\n').Split('\n')), Cols(shown));
        Assert.Contains("== after-touch (line 9): pid 17878 (sleep): VSZ 2920 KiB, RSS 8 KiB, faults 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Layout()
    {
        (_, string output) = RunExample("layout.scn");
        Assert.Contains("start_code  0000000000400000\nend_code    0000000000410000\nstart_data  0000000000410000\nend_data    0000000000412000\n"
            + "start_brk   0000000000418000\nbrk         0000000000439000\nmmap_base   00007ffff7fff000\n", output, StringComparison.Ordinal);
        Assert.Contains("mmap(NULL, 65536, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fe7000", output, StringComparison.Ordinal);
        Assert.Contains("00412000-00418000 rw-p 00000000 00:00 0 \n00418000-00439000 rw-p 00000000 00:00 0                                  [heap]", output, StringComparison.Ordinal);
        Assert.Contains("== gonzo (line 17): pid 1000 (gonzo): VSZ 456 KiB, RSS 20 KiB, faults 5", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Segfault()
    {
        (ScenarioRun run, string output) = RunExample("segfault.scn");
        Assert.Contains("si_code=SEGV_ACCERR, si_addr=0x7ffff7ffe000}", output, StringComparison.Ordinal);
        Assert.Contains("[pid 1001] --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x0} ---", output, StringComparison.Ordinal);
        Assert.True(run.Kernel.Find(1000)!.Exited && run.Kernel.Find(1001)!.Exited);
    }

    [Fact]
    public void ThreadsMm()
    {
        (_, string output) = RunExample("threads-mm.scn");
        Assert.Contains("/usr/bin/sleep\n", output, StringComparison.Ordinal);
        Assert.Contains("pid 1001 (sleep, thread of 1000): mm #1 (mm_users 2, mm_count 1)", output, StringComparison.Ordinal);
        Assert.Contains("pid 1002 (sleep, process): mm #2 (mm_users 1, mm_count 1)", output, StringComparison.Ordinal);
        Assert.Contains("cpu 0: pid 1003 (kworker), loaded mm #1 (mm_users 2, mm_count 2) (lazy TLB: borrowed)", output, StringComparison.Ordinal);
        Assert.Contains("pid 1003 (kworker, kernel thread): mm (null), active_mm #1 (mm_users 1, mm_count 2)", output, StringComparison.Ordinal);
    }
}

/// <summary>The worked example at the top of docs/scenarios.md prints what the page says it prints.</summary>
public sealed class DocsTests
{
    [Fact]
    public void TheFirstExampleOfTheReferenceIsTrue()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "mmsim.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        string doc = File.ReadAllText(Path.Combine(dir!, "docs", "scenarios.md")).ReplaceLineEndings("\n");
        string[] fenced = doc.Split("```");
        // fenced[1] is the scenario, fenced[3] what it prints.
        string scenario = fenced[1].TrimStart('\n');
        string expected = fenced[3].TrimStart('\n');
        var sw = new StringWriter { NewLine = "\n" };
        ScenarioRun.Execute(scenario, "doc.scn", TestHost.Instance, sw);
        Assert.Equal(expected, sw.ToString());
    }
}
