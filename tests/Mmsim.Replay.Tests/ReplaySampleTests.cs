namespace Mmsim.Replay.Tests;

/// <summary><see cref="ReplayOptions.OnSample"/>: the process's VSZ, RSS and faults after each memory call, for timelines.</summary>
public sealed class ReplaySampleTests
{
    private sealed class NoFiles : IHostFiles
    {
        public HostFile? Stat(string path) => null;

        public byte[]? ReadAll(string path) => null;
    }

    [Fact]
    public void EachMemoryCallGivesOneSampleWithVszRssAndFaults()
    {
        //  line 1: mmap 4 pages, MAP_POPULATE      VSZ 16 KiB, RSS 16 KiB, 4 minor faults
        //  line 2: write (not a memory call)        no sample
        //  line 3: mmap 2 more pages                VSZ 24 KiB, RSS 16 KiB
        //  line 4: munmap the first 4               VSZ  8 KiB, RSS  0
        var samples = new List<ReplaySample>();
        var options = new ReplayOptions { Paging = Phys.PhysMemConfig.OfSize(64UL << 20), OnSample = samples.Add, AssumeWrites = false };
        var r = new Replayer(new NoFiles(), ReplayMode.Check, options: options);
        r.Run(new StringReader("""
            7 mmap(0x600000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = 0x600000000
            7 write(-1, "step", 4) = -1 EBADF (Bad file descriptor)
            7 mmap(0x700000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0x700000000
            7 munmap(0x600000000, 16384) = 0

            """), "t.log");
        Assert.Empty(r.Divergences);
        Assert.Equal(
            [
                new ReplaySample(1, 7, "mmap", 16384, 16384, 4, 0),
                new ReplaySample(3, 7, "mmap", 24576, 16384, 4, 0),
                new ReplaySample(4, 7, "munmap", 8192, 0, 4, 0),
            ],
            samples);
    }

    [Fact]
    public void WithoutTheHookNothingIsSampled()
    {
        Assert.Null(ReplayOptions.Default.OnSample);
    }
}
