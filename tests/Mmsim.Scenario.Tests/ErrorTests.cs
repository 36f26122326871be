namespace Mmsim.Scenario.Tests;

/// <summary>
/// Every kind of statement reports what the scenario got wrong in one line, FILE:LINE: message,
/// naming the line of the statement (syntax errors before anything runs, the rest when the
/// statement runs).
/// </summary>
public sealed class ErrorTests
{
    private const string P = "process p\n";

    [Theory]
    // Statements and calls in general.
    [InlineData("frobnicate 3", 1, "unknown statement 'frobnicate'")]
    [InlineData("process p\n\n  mmap(NULL, 4096, PROT_READ", 3, "")]
    [InlineData(P + "mmap(NULL, 4096, PROT_READ) junk", 2, "expected '=' after argument list")]
    [InlineData(P + "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = zz", 2, "")]
    [InlineData(P + "mmap($nope, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", 2, "undefined variable $nope")]
    [InlineData(P + "getpid()", 2, "the model has no handler for getpid()")]
    [InlineData("mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", 1, "no process yet")]
    [InlineData(P + "$ = 3", 2, "expected '$name = value'")]
    [InlineData(P + "$x = 3 +", 2, "ends too soon")]
    [InlineData(P + "$x = $y", 2, "undefined variable $y")]
    [InlineData(P + "print $never", 2, "undefined variable $never")]
    [InlineData(P + "trace maybe", 2, "expected 'trace on' or 'trace off'")]
    // process
    [InlineData("process", 1, "expected 'process NAME")]
    [InlineData("process 9lives", 1, "expected 'process NAME")]
    [InlineData("process p exec", 1, "'exec' needs the program's path")]
    [InlineData("process p exec /no/such/program", 1, "/no/such/program not found")]
    [InlineData("process p spawn x", 1, "'spawn': after the name")]
    [InlineData("process p layout text 8K", 1, "expected 'layout {'")]
    [InlineData("process p layout {\n text 8K\n rodata 4K\n}", 3, "unknown layout part 'rodata'")]
    [InlineData("process p layout {\n text 8K\n", 1, "'{' is never closed")]
    [InlineData("process p layout { text 8Q }", 1, "text: bad number")]
    [InlineData("process p layout { heap -4K }", 1, "heap: size -4096 out of range")]
    [InlineData("process p layout { text 443G }", 1, "text: size 475667628032 out of range (0 to 256M)")]
    [InlineData("process p\nprocess p", 2, "the name 'p' is already taken")]
    [InlineData("process p replay", 1, "expected 'process NAME replay FILE'")]
    [InlineData("process p\nprocess q replay /no/such/trace.log", 2, "replay: /no/such/trace.log: no such file")]
    // in, fork, thread, exit, kthread, schedule
    [InlineData(P + "in nobody", 2, "unknown process 'nobody'")]
    [InlineData(P + "in 4242", 2, "no process with pid 4242")]
    [InlineData(P + "in a b", 2, "expected 'in TASK'")]
    [InlineData(P + "fork a b", 2, "expected 'fork [NAME]'")]
    [InlineData(P + "thread 1x", 2, "expected 'thread [NAME]'")]
    [InlineData(P + "exit ghost", 2, "unknown process 'ghost'")]
    [InlineData(P + "exit\nwrite 0", 3, "the current process (pid 1000) has exited")]
    [InlineData(P + "kthread", 2, "expected 'kthread NAME'")]
    [InlineData(P + "schedule p on cpu", 2, "expected 'schedule TASK on cpu N'")]
    [InlineData(P + "schedule p on cpu 99", 2, "cpu 99: the machine has cpus 0 to")]
    [InlineData(P + "schedule nobody on cpu 0", 2, "unknown process 'nobody'")]
    [InlineData(P + "kthread kw\nin kw\nwrite 0", 4, "is a kernel thread")]
    // read, write, exec, explain
    [InlineData(P + "write", 2, "expected 'write ADDR [LEN]'")]
    [InlineData(P + "read 0xZZ", 2, "bad address or length")]
    [InlineData(P + "exec $nowhere", 2, "undefined variable $nowhere")]
    [InlineData(P + "write 0x1000 0", 2, "length 0")]
    [InlineData(P + "write 0xffffffffffffff00 4096", 2, "wraps past the end")]
    [InlineData(P + "explain", 2, "expected 'explain ADDR")]
    [InlineData(P + "explain 0x1000 jump", 2, "'jump': the access is read, write or exec")]
    // show
    [InlineData(P + "show", 2, "expected 'show /proc/...'")]
    [InlineData(P + "show /proc/self/mapz", 2, "bad /proc path '/proc/self/mapz'")]
    [InlineData(P + "show /sys/kernel/mm", 2, "bad /proc path")]
    [InlineData(P + "show /proc/cpuinfo", 2, "bad /proc path")]
    [InlineData(P + "show /proc/self/maps extra", 2, "takes nothing more")]
    [InlineData(P + "show /proc/self/pagemap", 2, "expected 'show /proc/PID/pagemap ADDR [LEN]'")]
    [InlineData(P + "show /proc/nobody/maps", 2, "unknown process 'nobody'")]
    [InlineData(P + "show two words", 2, "expected 'show /proc/...'")]
    // pmap
    [InlineData(P + "pmap -q", 2, "pmap: unknown option '-q' (-x, -X or -XX)")]
    [InlineData(P + "pmap p q", 2, "one process at a time")]
    [InlineData(P + "pmap nobody -x", 2, "unknown process 'nobody'")]
    [InlineData(P + "kthread kw\npmap kw", 3, "has no user address space")]
    public void NamesTheLine(string scenario, int line, string fragment)
    {
        ScenarioException e = Scn.Fails(scenario);
        Assert.StartsWith($"t.scn:{line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ASyntaxErrorStopsTheScenarioBeforeItRuns()
    {
        var sw = new StringWriter();
        Assert.Throws<ScenarioException>(() => ScenarioRun.Execute(P + "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\nbogus!", "t.scn", TestHost.Instance, sw));
        Assert.Equal("", sw.ToString());
    }

    [Fact]
    public void ACommentIsNoStatementButAHashInAStringIsText()
    {
        (_, string output) = Scn.Run("# nothing\n   \nprocess p   # a process\nprint a # b\nopenat(AT_FDCWD, \"/tmp/#x\", O_RDONLY) = 3\n");
        Assert.Equal("a\n[pid 1000] openat(AT_FDCWD, \"/tmp/#x\", O_RDONLY) = 3\n", output);
    }
}
