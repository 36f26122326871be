namespace Mmsim.Fs;

/// <summary>A file-descriptor table (<c>struct files_struct</c>): fd numbers to open files.</summary>
public sealed class FdTable
{
    private readonly Dictionary<int, OpenFile> _fds = new();

    /// <summary>Users sharing this table (CLONE_FILES).</summary>
    public int Users { get; set; } = 1;

    /// <summary>The file at fd, or null.</summary>
    public OpenFile? Get(int fd) => fd >= 0 && _fds.TryGetValue(fd, out OpenFile? f) ? f : null;

    /// <summary>Installs a file at fd (replacing what was there).</summary>
    public void Install(int fd, OpenFile file) => _fds[fd] = file;

    /// <summary>Closes fd; false if it was not open.</summary>
    public bool Close(int fd) => _fds.Remove(fd);

    /// <summary>The lowest free fd at or above min.</summary>
    public int LowestFree(int min)
    {
        int fd = min;
        while (_fds.ContainsKey(fd))
        {
            fd++;
        }
        return fd;
    }

    /// <summary>A copy for fork without CLONE_FILES.</summary>
    public FdTable Clone()
    {
        var t = new FdTable();
        foreach (KeyValuePair<int, OpenFile> kv in _fds)
        {
            t._fds[kv.Key] = kv.Value;
        }
        return t;
    }

    /// <summary>Number of open fds.</summary>
    public int Count => _fds.Count;
}
