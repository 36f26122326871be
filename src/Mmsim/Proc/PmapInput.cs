namespace Mmsim.Proc;

/// <summary>
/// One mapping as procps-ng's pmap reads it: the fields of its /proc/PID/maps line (kept as the
/// text pmap scans, since -X prints them as scanned) and, from /proc/PID/smaps, every
/// "Key: number [kB]" line that follows it and its VmFlags.
/// </summary>
public sealed class PmapMapping
{
    /// <summary>vm_start.</summary>
    public required ulong Start { get; init; }

    /// <summary>vm_end.</summary>
    public required ulong End { get; init; }

    /// <summary>The start as maps prints it (at least 8 hex digits, no 0x).</summary>
    public required string StartText { get; init; }

    /// <summary>"rwxp" / "r--s".</summary>
    public required string Perms { get; init; }

    /// <summary>The file offset as maps prints it ("00000000").</summary>
    public required string OffsetText { get; init; }

    /// <summary>"MAJ:MIN" as maps prints it ("fe:00").</summary>
    public required string DeviceText { get; init; }

    /// <summary>The device's major number.</summary>
    public required uint DevMajor { get; init; }

    /// <summary>The device's minor number.</summary>
    public required uint DevMinor { get; init; }

    /// <summary>The inode number as maps prints it.</summary>
    public required string InodeText { get; init; }

    /// <summary>The inode number (for SysV segments: the shmid).</summary>
    public required ulong Inode { get; init; }

    /// <summary>The name after the padding: a path, "[heap]", "[anon:x]"...; "" for none.</summary>
    public required string Name { get; init; }

    /// <summary>The smaps lines with a number after the colon, in file order: key and digits
    /// ("Rss", "4"; "THPeligible", "0"). Empty when read from maps alone.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];

    /// <summary>The VmFlags mnemonics without the trailing space ("rd mr mw me ac"); null when
    /// read from maps alone.</summary>
    public string? VmFlags { get; init; }

    /// <summary>The value of smaps field <paramref name="key"/> (0 when absent).</summary>
    public ulong Field(string key)
    {
        foreach (KeyValuePair<string, string> kv in Fields)
        {
            if (kv.Key == key)
            {
                return ulong.Parse(kv.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}

/// <summary>
/// What pmap reads about one process: the tgid and command line of its header line
/// ("PID:   cmdline"), mm->start_stack (field 28 of /proc/PID/stat, which decides "[ stack ]"),
/// and the mappings of maps or smaps, [vsyscall] included.
/// </summary>
/// <param name="Pid">The tgid printed in the header.</param>
/// <param name="Cmdline">The command line as procps prints it (arguments joined by spaces).</param>
/// <param name="StartStack">mm->start_stack.</param>
/// <param name="Mappings">The mappings in address order.</param>
public sealed record PmapProcess(int Pid, string Cmdline, ulong StartStack, IReadOnlyList<PmapMapping> Mappings);
