using Mmsim.Replay;

namespace Mmsim.Cli.Demo;

/// <summary>
/// The host files the embedded <c>sleep</c> recording needs, as they were on the machine that
/// recorded it (Linux 6.18, Debian): each path's stat() identity and, for the two ELF files the
/// kernel itself loads (the program and its interpreter), the first KiB of the file (the ELF
/// header, the program headers and PT_INTERP) padded with zeros to the file's length. With it the
/// demo replays the same address space on any machine, whatever its /usr/bin/sleep is.
/// Generated once from the reference machine by recording the replay's IHostFiles calls.
/// </summary>
internal sealed class SleepHostFiles : IHostFiles
{
    private static readonly HostFile[] s_files =
    [
        new("/usr/bin/sleep", 254, 0, 248174, 43888, false, false),
        new("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 254, 0, 331651, 42, false, false),
        new("/etc/ld.so.cache", 254, 0, 1455, 36231, false, false),
        new("/usr/lib/x86_64-linux-gnu/libc.so.6", 254, 0, 332096, 1926232, false, false),
        new("/usr/lib/locale/C.utf8/LC_IDENTIFICATION", 254, 0, 319799, 258, false, false),
        new("/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", 254, 0, 331548, 27028, false, false),
        new("/usr/lib/locale/C.utf8/LC_MEASUREMENT", 254, 0, 319800, 23, false, false),
        new("/usr/lib/locale/C.utf8/LC_TELEPHONE", 254, 0, 319807, 47, false, false),
        new("/usr/lib/locale/C.utf8/LC_ADDRESS", 254, 0, 319796, 127, false, false),
        new("/usr/lib/locale/C.utf8/LC_NAME", 254, 0, 319804, 62, false, false),
        new("/usr/lib/locale/C.utf8/LC_PAPER", 254, 0, 319806, 34, false, false),
        new("/usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", 254, 0, 319802, 48, false, false),
        new("/usr/lib/locale/C.utf8/LC_MONETARY", 254, 0, 319803, 270, false, false),
        new("/usr/lib/locale/C.utf8/LC_COLLATE", 254, 0, 319797, 1406, false, false),
        new("/usr/lib/locale/C.utf8/LC_TIME", 254, 0, 319808, 3360, false, false),
        new("/usr/lib/locale/C.utf8/LC_NUMERIC", 254, 0, 319805, 50, false, false),
        new("/usr/lib/locale/C.utf8/LC_CTYPE", 254, 0, 319798, 353616, false, false),
    ];

    /// <summary>The paths the trace names, mapped to the canonical ones (symlinks resolved).</summary>
    private static readonly Dictionary<string, string> s_aliases = new()
    {
        ["/lib64/ld-linux-x86-64.so.2"] = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        ["/lib/x86_64-linux-gnu/libc.so.6"] = "/usr/lib/x86_64-linux-gnu/libc.so.6",
    };

    /// <summary>The ELF files' first KiB and length.</summary>
    private static readonly Dictionary<string, (string Base64, int Length)> s_elfHeads = new()
    {
        ["/usr/bin/sleep"] = ("f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAACYAAAAAAABAAAAAAAAAALCjAAAAAAAAAAAAAEAAOAANAEAAHwAeAAYAAAAEAAAAQAAAAAAAAABAAAAAAAAAAEAAAAAAAAAA2AIAAAAAAADYAgAAAAAAAAgAAAAAAAAAAwAAAAQAAAAYAwAAAAAAABgDAAAAAAAAGAMAAAAAAAAcAAAAAAAAABwAAAAAAAAAAQAAAAAAAAABAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKAUAAAAAAAAoBQAAAAAAAAAEAAAAAAAAAEAAAAFAAAAACAAAAAAAAAAIAAAAAAAAAAgAAAAAAAACUYAAAAAAAAJRgAAAAAAAAAQAAAAAAAAAQAAAAQAAAAAcAAAAAAAAABwAAAAAAAAAHAAAAAAAAAwHgAAAAAAADAeAAAAAAAAABAAAAAAAAABAAAABgAAABCdAAAAAAAAEJ0AAAAAAAAQnQAAAAAAAPAEAAAAAAAAsAYAAAAAAAAAEAAAAAAAAAIAAAAGAAAA2J0AAAAAAADYnQAAAAAAANidAAAAAAAA4AEAAAAAAADgAQAAAAAAAAgAAAAAAAAABAAAAAQAAAA4AwAAAAAAADgDAAAAAAAAOAMAAAAAAAAgAAAAAAAAACAAAAAAAAAACAAAAAAAAAAEAAAABAAAAFgDAAAAAAAAWAMAAAAAAABYAwAAAAAAAEQAAAAAAAAARAAAAAAAAAAEAAAAAAAAAFPldGQEAAAAOAMAAAAAAAA4AwAAAAAAADgDAAAAAAAAIAAAAAAAAAAgAAAAAAAAAAgAAAAAAAAAUOV0ZAQAAACsewAAAAAAAKx7AAAAAAAArHsAAAAAAAAsAwAAAAAAACwDAAAAAAAABAAAAAAAAABR5XRkBgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAFLldGQEAAAAEJ0AAAAAAAAQnQAAAAAAABCdAAAAAAAA8AIAAAAAAADwAgAAAAAAAAEAAAAAAAAAL2xpYjY0L2xkLWxpbnV4LXg4Ni02NC5zby4yAAAAAAAEAAAAEAAAAAUAAABHTlUAAoAAwAQAAAABAAAAAAAAAAQAAAAUAAAAAwAAAEdOVQDjEDxgP2JBGanlwCXk5dxDD4UZsAQAAAAQAAAAAQAAAEdOVQAAAAAAAwAAAAIAAAAAAAAAAAAAAAMAAAA0AAAAAQAAAAYAAAAGycEAIAEYEjQAAAA2AAAAPAAAACgdjBzRZc5tvFB2npagiZfOLGNy5GJB9cCz9xI58oscM8T3EgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 43888),
        ["/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"] = ("f0VMRgIBAQMAAAAAAAAAAAMAPgABAAAAcKsBAAAAAABAAAAAAAAAABhCAwAAAAAAAAAAAEAAOAAJAEAAFwAWAAEAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWA0AAAAAAABYDQAAAAAAAAAQAAAAAAAAAQAAAAUAAAAAEAAAAAAAAAAQAAAAAAAAABAAAAAAAAARUQIAAAAAABFRAgAAAAAAABAAAAAAAAABAAAABAAAAABwAgAAAAAAAHACAAAAAAAAcAIAAAAAAHycAAAAAAAAfJwAAAAAAAAAEAAAAAAAAAEAAAAGAAAAABkDAAAAAAAAGQMAAAAAAAAZAwAAAAAAECgAAAAAAADYKQAAAAAAAAAQAAAAAAAAAgAAAAYAAABALgMAAAAAAEAuAwAAAAAAQC4DAAAAAACgAQAAAAAAAKABAAAAAAAACAAAAAAAAAAEAAAABAAAADgCAAAAAAAAOAIAAAAAAAA4AgAAAAAAACQAAAAAAAAAJAAAAAAAAAAEAAAAAAAAAFDldGQEAAAAGNACAAAAAAAY0AIAAAAAABjQAgAAAAAANAkAAAAAAAA0CQAAAAAAAAQAAAAAAAAAUeV0ZAYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAABS5XRkBAAAAAAZAwAAAAAAABkDAAAAAAAAGQMAAAAAAAAXAAAAAAAAABcAAAAAAAABAAAAAAAAAAQAAAAUAAAAAwAAAEdOVQB+vGXlLyu+pJi0BA+pL3I4N3qrqQAAAAAlAAAAKAAAAAAAAAAEAAAAGwAAAAEAAAAAAAAAAAAAAAYAAAAAAAAAJgAAACcAAAAlAAAAEgAAAB0AAAAiAAAAEAAAAAgAAAAAAAAAAwAAAB8AAAAAAAAABQAAAAwAAAAJAAAAHgAAACAAAAAAAAAAIwAAAA4AAAAPAAAAFAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZAAAAFgAAABoAAAAAAAAAAAAAAA0AAAAAAAAAIQAAAAAAAAAYAAAAAAAAAAAAAAAKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAkAAAAAAAAABcAAAAAAAAABwAAAAAAAAARAAAACwAAABUAAAAAAAAAAAAAABMAAAAAAAAAAAAAACUAAAABAAAABAAAAAgAAAAgNEEIGASAFwnCIMQFB4ECWAw6IBACJIQDIKSnEOQgKgAAAAABAAAAAgAAAAAAAAADAAAABAAAAAcAAAAIAAAAAAAAAAkAAAAKAAAACwAAAA==", 215000),
    };

    /// <inheritdoc/>
    public HostFile? Stat(string path)
    {
        string canonical = s_aliases.GetValueOrDefault(path, path);
        foreach (HostFile f in s_files)
        {
            if (f.CanonicalPath == canonical)
            {
                return f;
            }
        }
        return null;
    }

    /// <inheritdoc/>
    public byte[]? ReadAll(string path)
    {
        string canonical = s_aliases.GetValueOrDefault(path, path);
        if (!s_elfHeads.TryGetValue(canonical, out (string Base64, int Length) head))
        {
            return null;
        }
        byte[] bytes = new byte[head.Length];
        Convert.FromBase64String(head.Base64).CopyTo(bytes, 0);
        return bytes;
    }
}
