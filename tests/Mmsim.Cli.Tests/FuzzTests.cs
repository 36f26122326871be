using System.Text;
using Mmsim.Cli.Fuzz;
using Mmsim.Replay;

namespace Mmsim.Cli.Tests;

/// <summary>
/// The short, fixed-seed fuzz pass CI runs on every reader (the long runs are `mmsim fuzz TARGET
/// --count 100000`), and the hostile inputs the fuzzer's design names: a log execing a device or
/// a FIFO, a log asking to populate more memory than the machine has, a log that forks without end.
/// </summary>
public sealed class FuzzTests
{
    private static string FixturesDir => Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "fixtures");

    private static string Scratch()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mmsim-fuzztest-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static (int Status, string Out) Fuzz(FuzzTarget t, long count, ulong seed)
    {
        var o = new StringWriter();
        // The memory ceiling is the whole test process's (other tests' 24 GiB machines run beside
        // this one); the fuzz command's own 4 GiB applies to a process of its own.
        int status = FuzzCommand.Fuzz(t, count, seed, save: null, slowMs: 20_000, o, TextWriter.Null, memoryCeiling: 20L << 30);
        return (status, o.ToString());
    }

    /// <summary>Small real logs of the fixtures: their corpus for the strace reader.</summary>
    private static string SmallLogsCorpus()
    {
        string dir = Scratch();
        foreach (string name in new[] { "s01_anon_placement", "s05_mremap", "s10_fork_cow", "s11_pthreads", "m01_sysv_shm", "s09_populate_mincore" })
        {
            File.Copy(Path.Combine(FixturesDir, name, "trace.log"), Path.Combine(dir, name + ".log"));
        }
        return dir;
    }

    [Fact]
    public void StraceReaderSurvivesMutatedLogs()
    {
        string corpus = SmallLogsCorpus();
        try
        {
            FuzzTarget t = FuzzCommand.MakeTarget("strace", corpus, corpus, Mmsim.Phys.PhysMemConfig.OfSize(1UL << 30));
            (int status, string output) = Fuzz(t, 150, seed: 20261130);
            Assert.True(status == 0, output);
            Assert.Contains("150 inputs (seed 20261130)", output, StringComparison.Ordinal);
            Assert.Contains(" 0 failed", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(corpus, recursive: true);
        }
    }

    [Fact]
    public void ElfLoaderSurvivesMutatedExecutables()
    {
        string corpus = Scratch();
        try
        {
            File.Copy(Path.Combine(FixturesDir, "s18_static", "root", "tmp", "oracle-bin", "s18_static"), Path.Combine(corpus, "s18_static"));
            FuzzTarget t = FuzzCommand.MakeTarget("elf", corpus, corpus, Mmsim.Phys.PhysMemConfig.OfSize(1UL << 30));
            (int status, string output) = Fuzz(t, 150, seed: 7);
            Assert.True(status == 0, output);
            Assert.Contains(" 0 failed", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(corpus, recursive: true);
        }
    }

    [Fact]
    public void ScenarioLanguageSurvivesMutatedScenarios()
    {
        string examples = Path.Combine(FixturesDir, "..", "..", "examples");
        FuzzTarget t = FuzzCommand.MakeTarget("scenario", examples, examples, Mmsim.Phys.PhysMemConfig.OfSize(1UL << 30));
        (int status, string output) = Fuzz(t, 300, seed: 2);
        Assert.True(status == 0, output);
        Assert.Contains(" 0 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandLineSurvivesMutatedOptions()
    {
        string scratch = Scratch();
        try
        {
            FuzzTarget t = FuzzCommand.MakeTarget("options", null, scratch, Mmsim.Phys.PhysMemConfig.OfSize(1UL << 30));
            (int status, string output) = Fuzz(t, 300, seed: 3);
            Assert.True(status == 0, output);
            Assert.Contains(" 0 failed", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>The judge itself: a failure is reported, so the passes above can fail.</summary>
    [Fact]
    public void AnUnhandledExceptionIsAFailure()
    {
        var o = new StringWriter();
        int status = FuzzCommand.Fuzz(new ThrowingTarget(), 3, 1, null, 1000, o, TextWriter.Null);
        Assert.Equal(1, status);
        Assert.Contains("input 0: InvalidOperationException: boom", o.ToString(), StringComparison.Ordinal);
        Assert.Contains("3 failed", o.ToString(), StringComparison.Ordinal);
    }

    private sealed class ThrowingTarget : FuzzTarget
    {
        public override string Name => "throwing";

        public override IReadOnlyList<byte[]> Corpus { get; } = [Encoding.UTF8.GetBytes("x\n")];

        public override bool IsText => true;

        public override FuzzOutcome Run(byte[] input) => throw new InvalidOperationException("boom");
    }

    private static (int Status, string Err) ReplayText(string log, ReplayOptions? options = null)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int status = ReplayCommand.Replay(() => new StringReader(log), "hostile.log", new HostFileSystem(null), null,
            ReplayMode.Check, quiet: true, o, e, options);
        return (status, e.ToString());
    }

    /*
     * execve of something that is not a regular file: /dev/zero would read forever (and then run
     * out of memory), a FIFO would block forever. Both are refused at once, on their line.
     */
    [Fact]
    public void ExecOfADeviceIsRefusedNotRead()
    {
        (int status, string err) = ReplayText("1 execve(\"/dev/zero\", [\"x\"], 0x7ffe0 /* 1 var */) = 0\n1 exit_group(0) = ?\n");
        Assert.Equal(2, status);
        Assert.Equal("mmsim: hostile.log:1: execve: /dev/zero: not a regular file of at most 1 GiB (a device, FIFO or directory is not read)\n", err);
    }

    [Fact]
    public void ExecOfAFifoIsRefusedNotRead()
    {
        string dir = Scratch();
        string fifo = Path.Combine(dir, "fifo");
        try
        {
            System.Diagnostics.Process.Start("mkfifo", fifo).WaitForExit();
            Assert.True(File.Exists(fifo));
            (int status, string err) = ReplayText($"1 execve(\"{fifo}\", [\"x\"], 0x7ffe0 /* 1 var */) = 0\n");
            Assert.Equal(2, status);
            Assert.Contains("hostile.log:1: execve:", err, StringComparison.Ordinal);
            Assert.Contains("not a regular file", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /*
     * Found by the fuzzer (strace, seed 20261130, input 14037): a line duplicated after its
     * process exited made the model schedule a dead task (ModelBugException). Now:
     *
     *   line 3   pid 2 exits
     *   line 4   pid 2 calls clone          -> refused on line 4
     */
    [Fact]
    public void ACallFromAnExitedPidIsRefusedOnItsLine()
    {
        const string Log = """
            1 execve("/usr/bin/sleep", ["sleep", "0"], 0x7ffe0 /* 1 var */) = 0
            1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8ea10) = 2
            2 +++ exited with 0 +++
            2 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8ea10) = 3

            """;
        (int status, string err) = ReplayText(Log);
        Assert.Equal(2, status);
        Assert.Equal("mmsim: hostile.log:4: pid 2 makes a call after it exited, and no clone in flight can have reused its pid\n", err);
    }

    /*
     * The kernel reuses pids: a clone may return the pid of a process gone before, and that is a
     * new process (before the fuzzer's finding the replay took it for the old one).
     */
    [Fact]
    public void APidReusedByCloneIsANewProcess()
    {
        const string Log = """
            1 execve("/usr/bin/sleep", ["sleep", "0"], 0x7ffe0 /* 1 var */) = 0
            1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8ea10) = 2
            2 exit_group(0) = ?
            2 +++ exited with 0 +++
            1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8ea10) = 2
            2 munmap(0x7ffff7fc1000, 4096) = 0
            2 exit_group(0) = ?
            2 +++ exited with 0 +++
            1 exit_group(0) = ?

            """;
        var o = new StringWriter();
        int status = ReplayCommand.Replay(() => new StringReader(Log), "reuse.log", new HostFileSystem(null), null,
            ReplayMode.Check, quiet: true, o, TextWriter.Null);
        Assert.True(status == 0, o.ToString());
        Assert.EndsWith(", 0 diverged\n", o.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A path with a newline (a mutated ELF's interpreter) stays on the one error line, escaped.</summary>
    [Fact]
    public void ControlCharactersInAMessageAreEscaped()
    {
        Assert.Equal("mmsim: x.log:1: execve: /tmp/a\\nb\\x1b[31m not found", Program.ErrorLine("x.log:1: execve: /tmp/a\nb\u001b[31m not found"));
    }

    /// <summary>A device given as the log (or scenario) is refused at once, not read for ever.</summary>
    [Theory]
    [InlineData("replay")]
    [InlineData("run")]
    public void ADeviceAsTheInputIsRefused(string command)
    {
        (int status, _, string err) = BadInputTests.Run(command == "replay" ? ["replay", "/dev/zero"] : ["run", "/dev/zero"]);
        Assert.Equal(2, status);
        Assert.Equal("mmsim: /dev/zero: not a regular file\n", err);
    }

    /*
     * Found by the fuzzer (strace, seed 20261201, input 4092, a 1 GiB machine): a log that had
     * filled the machine's memory and then forked made pgd_alloc() throw a ModelBugException.
     * Running out of simulated memory is not a model bug: the replay stops on the line.
     */
    [Fact]
    public void RunningTheMachineOutOfMemoryStopsOnTheLine()
    {
        const string Log = """
            1 execve("/usr/bin/sleep", ["sleep", "0"], 0x7ffe0 /* 1 var */) = 0
            1 mmap(NULL, 62914560, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = 0x7ffff3dd2000
            1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8ea10) = 2

            """;
        var o = new StringWriter();
        var e = new StringWriter();
        int status = ReplayCommand.Replay(() => new StringReader(Log), "oom.log", new HostFileSystem(null), null,
            ReplayMode.Follow, quiet: true, o, e, new ReplayOptions { Paging = Mmsim.Phys.PhysMemConfig.OfSize(64UL << 20) });
        Assert.Equal(2, status);
        Assert.StartsWith("mmsim: oom.log:3: the simulated machine is out of memory (", e.ToString(), StringComparison.Ordinal);
    }

    /*
     * A log that forks without end: the live tasks are bounded (pid_max of the reference kernel
     * by default; 100 here), and the line that would exceed it is named.
     *
     *   line 1      execve
     *   line 2..    clone() = 2, 3, 4, ...   (no child ever exits)
     *   line 101    the 100th clone: task 101 alive -> refused
     */
    [Fact]
    public void AForkBombIsBounded()
    {
        var log = new StringBuilder("1 execve(\"/usr/bin/sleep\", [\"sleep\", \"0\"], 0x7ffe0 /* 1 var */) = 0\n");
        for (int i = 0; i < 1000; i++)
        {
            log.Append("1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7d8ea10) = ")
                .Append(i + 2).Append('\n');
        }
        (int status, string err) = ReplayText(log.ToString(), new ReplayOptions { MaxLiveTasks = 100 });
        Assert.Equal(2, status);
        Assert.Equal("mmsim: hostile.log:101: more than 100 tasks alive at once (the reference kernel's pid_max is 32768): the replay stops here\n", err);
    }

    /*
     * Asking for more memory than the machine has ends with the kernel's answer, not with the
     * host's memory: 2^47 bytes cannot be mapped at all, and populating 1 TiB of a NORESERVE
     * mapping on the 24 GiB machine stops when the simulated RAM is gone (what the kernel's OOM
     * killer then does is not the point here: the replay ends, in bounded time and memory).
     */
    [Fact]
    public void PopulatingMoreThanTheMachineIsBounded()
    {
        const string Log = """
            1 execve("/usr/bin/sleep", ["sleep", "0"], 0x7ffe0 /* 1 var */) = 0
            1 mmap(NULL, 140737488355328, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_POPULATE, -1, 0) = -1 ENOMEM (Cannot allocate memory)
            1 mmap(NULL, 1099511627776, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = 0x7efff7e00000
            1 madvise(0x7efff7e00000, 1099511627776, MADV_POPULATE_WRITE) = -1 ENOMEM (Cannot allocate memory)
            1 exit_group(0) = ?

            """;
        var o = new StringWriter();
        int status = ReplayCommand.Replay(() => new StringReader(Log), "hostile.log", new HostFileSystem(null), null,
            ReplayMode.Check, quiet: true, o, TextWriter.Null, new ReplayOptions { Paging = Mmsim.Phys.PhysMemConfig.Default });
        Assert.Contains("5 calls replayed", o.ToString(), StringComparison.Ordinal);
        Assert.True(status is 0 or 1, o.ToString());
    }
}
