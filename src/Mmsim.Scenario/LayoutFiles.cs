using Mmsim.Replay;

namespace Mmsim.Scenario;

/// <summary>
/// The host's files with the scenario's described programs laid over them: a <c>process NAME
/// layout { ... }</c> is an ELF image built in memory (<see cref="LayoutElf"/>) and exec'd like
/// any other, through the same loader. Everything else is the given <see cref="IHostFiles"/>.
/// </summary>
internal sealed class LayoutFiles(IHostFiles host) : IHostFiles
{
    // The described programs by path, with their inode numbers (device 00:00: no real file system holds them).
    private readonly Dictionary<string, (byte[] Bytes, ulong Ino)> _files = new(StringComparer.Ordinal);

    /// <summary>Adds (or replaces) a described program at path.</summary>
    public void Add(string path, byte[] bytes)
    {
        _files[path] = (bytes, 0x10000UL + (ulong)_files.Count);
    }

    public HostFile? Stat(string path)
    {
        return _files.TryGetValue(path, out var f)
            ? new HostFile(path, 0, 0, f.Ino, (ulong)f.Bytes.Length, false, false)
            : host.Stat(path);
    }

    public byte[]? ReadAll(string path)
    {
        return _files.TryGetValue(path, out var f) ? f.Bytes : host.ReadAll(path);
    }
}
