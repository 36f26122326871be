namespace Mmsim.Fs;

/// <summary>
/// A task's <c>struct fs_struct</c>, reduced to its working directory (as the absolute path
/// d_path() would give it). Threads created with CLONE_FS share one; fork copies it.
/// </summary>
public sealed class FsStruct
{
    /// <summary>Creates an fs_struct whose working directory is cwd (absolute).</summary>
    public FsStruct(string cwd)
    {
        Cwd = cwd;
    }

    /// <summary>pwd: the working directory, absolute and normalised.</summary>
    public string Cwd { get; set; }

    /// <summary>copy_fs_struct(): a private copy for a child that does not share it.</summary>
    public FsStruct Copy() => new(Cwd);

    /// <summary>
    /// The absolute path a path names when looked up from dir (the working directory or an
    /// O_PATH/directory fd): "." and ".." are resolved lexically, repeated slashes collapse.
    /// Symbolic links are the host's business and are resolved there.
    /// </summary>
    public static string Resolve(string dir, string path)
    {
        string joined = path.StartsWith('/') ? path : dir + "/" + path;
        return Normalize(joined);
    }

    /// <summary>
    /// <see cref="Resolve(string, string)"/> for a path given as characters: the joined path is the only
    /// string made when it is already clean.
    /// </summary>
    public static string Resolve(string dir, ReadOnlySpan<char> path)
    {
        string joined = path.StartsWith('/') ? path.ToString() : string.Concat(dir, "/", path);
        return Normalize(joined);
    }

    /// <summary>An absolute joined path with "." and ".." resolved lexically and repeated slashes collapsed.</summary>
    private static string Normalize(string joined)
    {
        if (IsClean(joined))
        {
            return joined;
        }
        var parts = new List<string>();
        foreach (string part in joined.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>True when an absolute path has no empty, "." or ".." component and no trailing slash.</summary>
    private static bool IsClean(string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }
        if (path.Length == 1)
        {
            return true;
        }
        if (path[^1] == '/')
        {
            return false;
        }
        int start = 1;
        while (start <= path.Length)
        {
            int slash = path.IndexOf('/', start);
            int end = slash < 0 ? path.Length : slash;
            int len = end - start;
            if (len == 0 || (len == 1 && path[start] == '.') || (len == 2 && path[start] == '.' && path[start + 1] == '.'))
            {
                return false;
            }
            start = end + 1;
        }
        return true;
    }
}
