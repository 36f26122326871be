namespace Mmsim.Fs;

/// <summary>
/// A file-descriptor table (<c>struct files_struct</c>): fd numbers to open files. Like the
/// kernel's <c>struct fdtable</c> it is an array indexed by fd, grown (doubling, as
/// expand_fdtable() does) when a higher fd is installed. Simplified: fds at or above
/// <see cref="NrOpen"/> (more than the kernel's default fs.nr_open allows) live in a dictionary
/// beside it, so that no log can make the array huge.
/// </summary>
public sealed class FdTable
{
    /// <summary>The default fs.nr_open (sysctl_nr_open): the array never grows past it.</summary>
    public const int NrOpen = 1 << 20;

    private OpenFile?[] _fds = new OpenFile?[64];
    private Dictionary<int, OpenFile>? _high;

    /// <summary>Users sharing this table (CLONE_FILES).</summary>
    public int Users { get; set; } = 1;

    /// <summary>The file at fd, or null.</summary>
    public OpenFile? Get(int fd)
    {
        if ((uint)fd < (uint)_fds.Length)
        {
            return _fds[fd];
        }
        return fd >= NrOpen && _high is not null && _high.TryGetValue(fd, out OpenFile? f) ? f : null;
    }

    /// <summary>Installs a file at fd (replacing what was there); a negative fd is ignored.</summary>
    public void Install(int fd, OpenFile file)
    {
        if (fd < 0)
        {
            return;
        }
        if (fd >= NrOpen)
        {
            _high ??= new Dictionary<int, OpenFile>();
            if (_high.TryAdd(fd, file))
            {
                Count++;
            }
            _high[fd] = file;
            return;
        }
        if (fd >= _fds.Length)
        {
            Array.Resize(ref _fds, Math.Min(Math.Max(_fds.Length * 2, fd + 1), NrOpen));
        }
        if (_fds[fd] is null)
        {
            Count++;
        }
        _fds[fd] = file;
    }

    /// <summary>Closes fd; false if it was not open.</summary>
    public bool Close(int fd)
    {
        if (fd >= NrOpen && _high is not null && _high.Remove(fd))
        {
            Count--;
            return true;
        }
        if ((uint)fd >= (uint)_fds.Length || _fds[fd] is null)
        {
            return false;
        }
        _fds[fd] = null;
        Count--;
        return true;
    }

    /// <summary>The lowest free fd at or above min.</summary>
    public int LowestFree(int min)
    {
        int fd = Math.Max(min, 0);
        while (Get(fd) is not null)
        {
            fd++;
        }
        return fd;
    }

    /// <summary>A copy for fork without CLONE_FILES.</summary>
    public FdTable Clone()
    {
        return new FdTable
        {
            _fds = (OpenFile?[])_fds.Clone(),
            _high = _high is null ? null : new Dictionary<int, OpenFile>(_high),
            Count = Count,
        };
    }

    /// <summary>Number of open fds.</summary>
    public int Count { get; private set; }
}
