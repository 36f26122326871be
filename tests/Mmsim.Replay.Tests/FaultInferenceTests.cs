using Mmsim.Mm;

namespace Mmsim.Replay.Tests;

/// <summary>
/// Faults the log shows only indirectly: a mincore vector, a SIGSEGV, a page a vector proves
/// untouched. Each test is a hand-written log in the default strace format.
/// </summary>
public sealed class FaultInferenceTests
{
    private sealed class NoFiles : IHostFiles
    {
        public HostFile? Stat(string path) => null;

        public byte[]? ReadAll(string path) => null;
    }

    private static Replayer Replay(string log, ReplayOptions? options = null)
    {
        return Replayer.RunWithEvidence(() => new Replayer(new NoFiles(), ReplayMode.Check, options: options),
            () => new StringReader(log), "t.log");
    }

    private static List<string> Vmas(Replayer r, int pid = 7)
    {
        var list = new List<string>();
        foreach (Vma v in r.Kernel.Find(pid)!.Mm!.Vmas)
        {
            list.Add($"{v.Start:x}-{v.End:x} {((v.Flags & VmFlags.Write) != 0 ? "rw" : "r-")}");
        }
        return list;
    }

    [Fact]
    public void ResidentPagesBelowAGrowsDownVmaGrowIt()
    {
        //  5ffff6000      600000000    600004000
        //  |<- grown by the fault ->|GGGG|          mincore says page 5ffff6000 is resident
        Replayer r = Replay("""
            7 mmap(0x600000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS|MAP_GROWSDOWN, -1, 0) = 0x600000000
            7 mincore(0x5ffff0000, 65536, 0x1000) = -1 ENOMEM (Cannot allocate memory)
            7 mincore(0x5ffff6000, 40960, [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]) = 0
            7 mincore(0x5ffff0000, 65536, 0x1000) = -1 ENOMEM (Cannot allocate memory)

            """);
        Assert.Empty(r.Divergences);
        Assert.Equal(["5ffff6000-600004000 rw"], Vmas(r));
    }

    [Fact]
    public void ASegvTheModelAgreesWithIsNoDivergence()
    {
        Replayer r = Replay("""
            7 mmap(0x600000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x700000000} ---
            7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x600000010} ---
            7 +++ killed by SIGSEGV +++

            """);
        Assert.Empty(r.Divergences);
        Assert.Equal(2, r.CallsByName["SIGSEGV"]);
    }

    [Fact]
    public void ASegvTheModelWouldNotRaiseIsADivergence()
    {
        Replayer r = Replay("""
            7 mmap(0x600000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x600000010} ---

            """);
        Divergence d = Assert.Single(r.Divergences);
        Assert.Equal(2, d.Line);
        Assert.Contains("recorded SEGV_MAPERR, model no fault", d.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AVectorShowingPagesUntouchedVetoesTheAssumedWrite()
    {
        // 600000000  600001000  600002000  600003000
        // |   rw     |    r      |    r     |   once the write is vetoed, the read-only half has no
        //                                       anon_vma, loses VM_ACCOUNT and merges with the new r page
        const string Log = """
            7 mmap(0x600000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            7 getpid() = 7
            7 mincore(0x600000000, 8192, [0, 0]) = 0
            7 mprotect(0x600001000, 4096, PROT_READ) = 0
            7 mmap(0x600002000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600002000

            """;
        Replayer r = Replay(Log);
        Assert.Equal(2, r.Passes);
        Assert.Empty(r.Divergences);
        Assert.Equal(["600000000-600001000 rw", "600001000-600003000 r-"], Vmas(r));
    }

    [Fact]
    public void WithoutEvidenceTheAssumedWriteKeepsTheHalvesApart()
    {
        const string Log = """
            7 mmap(0x600000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            7 getpid() = 7
            7 mprotect(0x600001000, 4096, PROT_READ) = 0
            7 mmap(0x600002000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600002000

            """;
        Replayer r = Replay(Log);
        Assert.Equal(1, r.Passes);
        Assert.Equal(["600000000-600001000 rw", "600001000-600002000 r-", "600002000-600003000 r-"], Vmas(r));
        Replayer lazy = Replay(Log, new ReplayOptions { AssumeWrites = false });
        Assert.Equal(["600000000-600001000 rw", "600001000-600003000 r-"], Vmas(lazy));
    }

    [Fact]
    public void RelativePathsResolveAgainstTheWorkingDirectory()
    {
        Replayer r = Replay("""
            7 openat(AT_FDCWD, "data/x.dat", O_RDONLY) = 3
            7 chdir("/srv") = 0
            7 openat(AT_FDCWD, "../srv/./y.dat", O_RDONLY) = 4
            7 mmap(0x600000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x600000000
            7 mmap(0x600001000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 4, 0) = 0x600001000

            """, new ReplayOptions { InitialCwd = "/home/u" });
        string maps = Assert.Single(r.Snapshots.Values).Maps;
        Assert.Contains("/home/u/data/x.dat\n", maps, StringComparison.Ordinal);
        Assert.Contains("/srv/y.dat\n", maps, StringComparison.Ordinal);
    }
}
