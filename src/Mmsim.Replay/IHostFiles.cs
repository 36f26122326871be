namespace Mmsim.Replay;

/// <summary>What the host knows about a path: its canonical name and identity, as stat() and realpath() give them.</summary>
public sealed record HostFile(string CanonicalPath, uint DevMajor, uint DevMinor, ulong Ino, ulong Size, bool IsDirectory, bool IsCharDevice);

/// <summary>
/// The replay's one seam to the outside world: looking up files a traced program opened or
/// executed. The CLI implements it on the real file system (a fixture's root/ first, then the
/// host); tests plug in fakes.
/// </summary>
public interface IHostFiles
{
    /// <summary>stat() after resolving symlinks; null when the path does not exist.</summary>
    HostFile? Stat(string path);

    /// <summary>The whole contents of a regular file (for ELF headers); null when unreadable.</summary>
    byte[]? ReadAll(string path);
}
