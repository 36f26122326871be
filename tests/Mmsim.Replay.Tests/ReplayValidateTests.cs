using Mmsim.Phys;

namespace Mmsim.Replay.Tests;

/// <summary>
/// <see cref="ReplayOptions.Validate"/>: the machine is validated after every line of a log. A
/// hand-written log of anonymous mappings, touched through MADV_POPULATE_WRITE, reshaped and
/// unmapped, with a fork and the exits, on a 16 MiB machine:
/// <code>
///   line 1  mmap 4 pages rw        [ A A A A ]
///   line 2  populate them          [ * * * * ]      4 frames
///   line 3  mprotect page 2 r      [ * * R * ]      3 VMAs
///   line 4  fork (child 8)         both map the 4 frames (COW)
///   line 5  child exits            frames mapped once again
///   line 6  munmap pages 1-2       [ * ]     [ * ]
///   line 7  parent exits           every frame free but the kernel's own
/// </code>
/// </summary>
public sealed class ReplayValidateTests
{
    private sealed class NoFiles : IHostFiles
    {
        public HostFile? Stat(string path) => null;

        public byte[]? ReadAll(string path) => null;
    }

    private const string Log = """
        7 mmap(0x10000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000
        7 madvise(0x10000000, 16384, MADV_POPULATE_WRITE) = 0
        7 mprotect(0x10002000, 4096, PROT_READ) = 0
        7 fork() = 8
        8 +++ exited with 0 +++
        7 munmap(0x10001000, 8192) = 0
        7 +++ exited with 0 +++

        """;

    [Fact]
    public void EveryLineOfACleanLogValidates()
    {
        var options = new ReplayOptions { Validate = true, Paging = PhysMemConfig.OfSize(16 << 20) };
        var r = new Replayer(new NoFiles(), ReplayMode.Check, options: options);
        r.Run(new StringReader(Log), "t.log");
        Assert.Empty(r.Divergences);
        Assert.Null(r.FirstViolation);
        // Seven lines, and the final after-exit check.
        Assert.Equal(8, r.Validations);
    }

    [Fact]
    public void WithoutTheOptionNothingIsValidated()
    {
        var options = new ReplayOptions { Paging = PhysMemConfig.OfSize(16 << 20) };
        var r = new Replayer(new NoFiles(), ReplayMode.Check, options: options);
        r.Run(new StringReader(Log), "t.log");
        Assert.Equal(0, r.Validations);
    }
}
