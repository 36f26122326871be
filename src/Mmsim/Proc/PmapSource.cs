using System.Globalization;
using System.Text;
using Mmsim.Mm;
using Mmsim.Process;

namespace Mmsim.Proc;

/// <summary>
/// Builds pmap's input (<see cref="PmapProcess"/>) from recorded /proc text (maps or smaps,
/// cmdline, stat) or from the live model, whose maps and smaps are formatted by
/// <see cref="ProcMaps"/> and <see cref="ProcSmaps"/> and then read exactly as recorded text is.
/// </summary>
public static class PmapSource
{
    /// <summary>
    /// Reads maps or smaps text: each maps line starts a mapping; the smaps lines after it whose
    /// value is a number become its fields; "VmFlags:" its flags. Throws
    /// <see cref="FormatException"/> naming the line on anything else.
    /// </summary>
    public static List<PmapMapping> ParseMappings(string text)
    {
        var list = new List<PmapMapping>();
        PmapMapping? cur = null;
        List<KeyValuePair<string, string>>? fields = null;
        string? flags = null;
        int lineNo = 0;
        foreach (string line in text.Split('\n'))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] is >= 'A' and <= 'Z')
            {
                if (cur is null)
                {
                    throw new FormatException($"line {lineNo}: a smaps field before any mapping");
                }
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new FormatException($"line {lineNo}: no ':' in a smaps field line");
                }
                string key = line[..colon];
                string value = line[(colon + 1)..].Trim();
                if (key == "VmFlags")
                {
                    flags = value;
                    continue;
                }
                if (value.EndsWith(" kB", StringComparison.Ordinal))
                {
                    value = value[..^3].TrimEnd();
                }
                if (value.Length > 0 && IsDigits(value))
                {
                    fields!.Add(new(key, value));
                }
                continue;
            }
            if (cur is not null)
            {
                list.Add(Finish(cur, fields!, flags));
            }
            cur = ParseMapsLine(line) ?? throw new FormatException($"line {lineNo}: not a maps line: {line}");
            fields = [];
            flags = null;
        }
        if (cur is not null)
        {
            list.Add(Finish(cur, fields!, flags));
        }
        return list;
    }

    /// <summary>The whole input from recorded files: smaps (or maps) text, the raw bytes of
    /// /proc/PID/cmdline and the text of /proc/PID/stat (pid, comm and start_stack).</summary>
    public static PmapProcess FromRecorded(string mapsOrSmaps, ReadOnlySpan<byte> cmdline, string stat)
    {
        (int pid, string comm, ulong startStack) = ParseStat(stat);
        return new PmapProcess(pid, CmdlineText(cmdline, comm), startStack, ParseMappings(mapsOrSmaps));
    }

    /// <summary>
    /// The live model: process <paramref name="pid"/>'s mm, its smaps formatted with the
    /// reference machine's settings (<see cref="SmapsGather"/> walking its page tables), the
    /// cmdline given (the argument vector of its last exec; null: "[comm]" as procps prints a
    /// process whose cmdline is empty). Null when there is no such process or it has no mm.
    /// </summary>
    public static PmapProcess? FromModel(Kernel kernel, int pid, string? cmdline)
    {
        Process.Task? task = kernel.Find(pid);
        return task?.Mm is { } mm ? FromMm(mm, task.Tgid, cmdline ?? "[" + task.Comm + "]") : null;
    }

    /// <summary>An mm of the model: its smaps (<see cref="ProcSmaps"/> over <see cref="SmapsGather"/>,
    /// the reference machine's settings) read as pmap reads it, the tgid and cmdline given.</summary>
    public static PmapProcess FromMm(MmStruct mm, int tgid, string cmdline)
    {
        string smaps = ProcSmaps.Format(mm, (Vma v, ref MemSizeStats mss) => SmapsGather.Gather(mm, v, ref mss), SmapsConfig.Reference);
        return new PmapProcess(tgid, cmdline, mm.StartStack, ParseMappings(smaps));
    }

    /// <summary>
    /// /proc/PID/cmdline as procps shows it: the trailing NULs dropped, every other NUL and
    /// newline a space, other control characters '?'; an empty cmdline shows "[comm]".
    /// </summary>
    public static string CmdlineText(ReadOnlySpan<byte> raw, string comm)
    {
        int len = raw.Length;
        while (len > 0 && raw[len - 1] == 0)
        {
            len--;
        }
        if (len == 0)
        {
            return "[" + comm + "]";
        }
        var sb = new StringBuilder(Encoding.UTF8.GetString(raw[..len]));
        for (int i = 0; i < sb.Length; i++)
        {
            char c = sb[i];
            if (c is '\0' or '\n')
            {
                sb[i] = ' ';
            }
            else if (c < ' ' || c == '\x7f' || c == '\uFFFD')
            {
                sb[i] = '?';
            }
        }
        return sb.ToString();
    }

    /// <summary>The argument vector of an exec as /proc/PID/cmdline holds it: each argument NUL-terminated.</summary>
    public static byte[] CmdlineBytes(IReadOnlyList<byte[]> argv)
    {
        int n = 0;
        foreach (byte[] a in argv)
        {
            n += a.Length + 1;
        }
        byte[] raw = new byte[n];
        int at = 0;
        foreach (byte[] a in argv)
        {
            a.CopyTo(raw, at);
            at += a.Length + 1;
        }
        return raw;
    }

    /// <summary>/proc/PID/stat: field 1 (pid), 2 (comm, between the parentheses) and 28 (start_stack).</summary>
    public static (int Pid, string Comm, ulong StartStack) ParseStat(string stat)
    {
        int open = stat.IndexOf('(', StringComparison.Ordinal);
        int close = stat.LastIndexOf(')');
        if (open <= 0 || close < open)
        {
            throw new FormatException("stat: no (comm)");
        }
        int pid = int.Parse(stat.AsSpan(0, open).Trim(), CultureInfo.InvariantCulture);
        string[] rest = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state): field 28 is rest[25].
        if (rest.Length < 26)
        {
            throw new FormatException("stat: fewer than 28 fields");
        }
        return (pid, stat[(open + 1)..close], ulong.Parse(rest[25], CultureInfo.InvariantCulture));
    }

    private static PmapMapping Finish(PmapMapping m, List<KeyValuePair<string, string>> fields, string? flags) =>
        fields.Count == 0 && flags is null ? m : new PmapMapping
        {
            Start = m.Start,
            End = m.End,
            StartText = m.StartText,
            Perms = m.Perms,
            OffsetText = m.OffsetText,
            DeviceText = m.DeviceText,
            DevMajor = m.DevMajor,
            DevMinor = m.DevMinor,
            InodeText = m.InodeText,
            Inode = m.Inode,
            Name = m.Name,
            Fields = fields,
            VmFlags = flags,
        };

    /// <summary>"start-end perms offset MAJ:MIN inode [padding name]", or null.</summary>
    private static PmapMapping? ParseMapsLine(string line)
    {
        string[] f = line.Split(' ', 6);
        if (f.Length < 5)
        {
            return null;
        }
        int dash = f[0].IndexOf('-', StringComparison.Ordinal);
        int colon = f[3].IndexOf(':', StringComparison.Ordinal);
        if (dash <= 0 || colon <= 0 || f[1].Length < 4)
        {
            return null;
        }
        string inodeText = f[4];
        string name = f.Length == 6 ? f[5].TrimStart(' ') : "";
        if (!ulong.TryParse(f[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(f[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end)
            || !uint.TryParse(f[3].AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint major)
            || !uint.TryParse(f[3].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint minor)
            || !ulong.TryParse(inodeText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            return null;
        }
        return new PmapMapping
        {
            Start = start,
            End = end,
            StartText = f[0][..dash],
            Perms = f[1],
            OffsetText = f[2],
            DeviceText = f[3],
            DevMajor = major,
            DevMinor = minor,
            InodeText = inodeText,
            Inode = inode,
            Name = name,
        };
    }

    private static bool IsDigits(string s)
    {
        foreach (char c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }
}
