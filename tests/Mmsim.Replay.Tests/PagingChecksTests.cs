namespace Mmsim.Replay.Tests;

/// <summary>
/// What a replay with page tables checks besides the calls' results: mincore vectors over
/// anonymous memory and the fault counts getrusage reports. Hand-written logs.
/// </summary>
public sealed class PagingChecksTests
{
    private sealed class NoFiles : IHostFiles
    {
        public HostFile? Stat(string path) => null;

        public byte[]? ReadAll(string path) => null;
    }

    private static readonly ReplayOptions s_paging = new() { Paging = Phys.PhysMemConfig.OfSize(64UL << 20) };

    private static Replayer Replay(string log)
    {
        return Replayer.RunWithEvidence(() => new Replayer(new NoFiles(), ReplayMode.Check, options: s_paging),
            () => new StringReader(log), "t.log");
    }

    private const string Usage = "{ru_utime={tv_sec=0, tv_usec=0}, ru_stime={tv_sec=0, tv_usec=0}, ru_maxrss=856, ru_ixrss=0, ru_idrss=0, "
        + "ru_isrss=0, ru_minflt=MIN, ru_majflt=0, ru_nswap=0, ru_inblock=0, ru_oublock=0, ru_msgsnd=0, ru_msgrcv=0, ru_nsignals=0, ru_nvcsw=1, ru_nivcsw=0}";

    private static string Rusage(int pid, int minflt) => $"{pid} getrusage(RUSAGE_SELF, {Usage.Replace("MIN", minflt.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)}) = 0";

    [Fact]
    public void APopulatedPageTheVectorShowsAbsentIsADivergenceNamingThePage()
    {
        //  600000000        600004000
        //  |PPPP|....|....|....|      MAP_POPULATE: all four resident in the model
        //  the log says page 2 is not: the first differing page is named
        Replayer r = Replay("""
            7 mmap(0x600000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = 0x600000000
            7 mincore(0x600000000, 16384, [1, 1, 0, 1]) = 0

            """);
        Divergence d = Assert.Single(r.Divergences);
        Assert.Equal(("mincore", 2L, 0L, 1L), (d.Call, d.Line, d.Recorded, d.Model));
        Assert.Equal("page 2 (0x600002000): recorded 0, model 1", d.Detail);
    }

    [Fact]
    public void PopulateFaultsAreCountedBetweenTwoGetrusageCalls()
    {
        //  a vector shows the 4 pages absent; getrusage 10, MADV_POPULATE_WRITE, getrusage 14:
        //  agrees; mlock of the same pages (present) faults none: getrusage 14 again agrees;
        //  a third window claims +1: a divergence.
        Replayer r = Replay($"""
            7 mmap(0x600000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            7 mincore(0x600000000, 16384, [0, 0, 0, 0]) = 0
            {Rusage(7, 10)}
            7 write(-1, "step", 4) = -1 EBADF (Bad file descriptor)
            7 madvise(0x600000000, 16384, MADV_POPULATE_WRITE) = 0
            {Rusage(7, 14)}
            7 mlock(0x600000000, 16384) = 0
            {Rusage(7, 14)}
            7 munlock(0x600000000, 16384) = 0
            {Rusage(7, 15)}

            """);
        Assert.Equal(3, r.RusageCompared);
        Divergence d = Assert.Single(r.Divergences);
        Assert.Equal(("getrusage", 10L, 1L, 0L), (d.Call, d.Line, d.Recorded, d.Model));
    }

    [Fact]
    public void APopulateOverMemoryNoVectorShowedLeavesTheWindowOut()
    {
        //  mapped before the window, never shown: how many pages the program had touched is unknown
        Replayer r = Replay($"""
            7 mmap(0x600000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            {Rusage(7, 10)}
            7 madvise(0x600000000, 16384, MADV_POPULATE_WRITE) = 0
            {Rusage(7, 11)}

            """);
        Assert.Empty(r.Divergences);
        Assert.Equal((0L, 1L), (r.RusageCompared, r.RusageSkipped));
    }

    [Fact]
    public void AWindowWithAnotherCallIsNotCompared()
    {
        Replayer r = Replay($"""
            7 mmap(0x600000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x600000000
            {Rusage(7, 10)}
            7 getpid() = 7
            {Rusage(7, 99)}

            """);
        Assert.Empty(r.Divergences);
        Assert.Equal((0L, 1L), (r.RusageCompared, r.RusageSkipped));
    }
}
