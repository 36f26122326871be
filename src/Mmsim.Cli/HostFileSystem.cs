using Mmsim.Replay;

namespace Mmsim.Cli;

/// <summary>
/// <see cref="IHostFiles"/> on the real file system: a path is looked up under the --root
/// directory first (the fixtures ship the binaries they exec there), then on the host.
/// </summary>
internal sealed class HostFileSystem : IHostFiles
{
    /// <summary>The largest file read whole (the biggest executables and libraries are far smaller).</summary>
    private const long MaxRead = 1L << 30;

    private readonly string? _root;

    public HostFileSystem(string? root)
    {
        _root = root;
    }

    public HostFile? Stat(string path)
    {
        string? real = Locate(path, out string shownPath);
        if (real is null)
        {
            return null;
        }
        try
        {
            var info = new FileInfo(real);
            bool isDir = Directory.Exists(real);
            if (!isDir && !info.Exists)
            {
                return null;
            }
            (uint major, uint minor, ulong ino, bool chr) = NativeStat.Stat(real);
            return new HostFile(shownPath, major, minor, ino, isDir ? 0 : (ulong)info.Length, isDir, chr);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public byte[]? ReadAll(string path)
    {
        string? real = Locate(path, out _);
        if (real is null)
        {
            return null;
        }
        // Only a regular file is read, and only up to MaxRead: a log naming /dev/zero, a FIFO or
        // /proc/kcore as the program it execs must not make the replay read forever.
        if (!NativeStat.IsRegularFile(real))
        {
            return null;
        }
        try
        {
            using FileStream fs = File.OpenRead(real);
            if (fs.Length > MaxRead)
            {
                return null;
            }
            var bytes = new byte[fs.Length];
            fs.ReadExactly(bytes);
            return bytes;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Finds the file: under the root first, then on the host; returns the canonical path as maps shows it.</summary>
    private string? Locate(string path, out string shownPath)
    {
        shownPath = path;
        if (path.Length == 0)
        {
            return null;
        }
        if (_root is not null && path.StartsWith('/'))
        {
            string under = Path.Combine(_root, path.TrimStart('/'));
            if (File.Exists(under) || Directory.Exists(under))
            {
                shownPath = path;
                return under;
            }
        }
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return null;
        }
        shownPath = NativeStat.RealPath(path) ?? Path.GetFullPath(path);
        return path;
    }
}
