using System.Globalization;
using System.Text;

namespace Mmsim.Proc;

/// <summary>The formats of procps-ng's pmap this formatter prints.</summary>
public enum PmapFormat
{
    /// <summary><c>pmap PID</c>: address, size, mode, mapping, read from /proc/PID/maps.</summary>
    Default,

    /// <summary><c>pmap -x PID</c>: adds RSS and Dirty from /proc/PID/smaps.</summary>
    Extended,

    /// <summary><c>pmap -X PID</c>: the smaps fields, less the ones pmap deems unimportant.</summary>
    More,

    /// <summary><c>pmap -XX PID</c>: every smaps field and VmFlags.</summary>
    All,
}

/// <summary>
/// What procps-ng 4.0.2's <c>pmap</c> prints for a process (the reference machine's version,
/// Debian 12, LANG=C.UTF-8), byte for byte, given what it reads (<see cref="PmapProcess"/>).
/// Every format starts with the header line "PID:   cmdline".
/// <para>Naming (default and -x): a mapping whose maps line holds a '/' is shown by what follows
/// the last '/' (a basename, "x (deleted)"); a SysV segment (device 0:shm-minor, "/SYSV" in
/// the line) as "  [ shmid=0xID ]"; any other as "  [ stack ]" if start_stack lies within
/// [start, end], else "  [ anon ]" ([heap], [vdso], [vvar], [vsyscall] and [anon:x] alike).
/// -X and -XX print the kernel's name, or its basename when it holds a '/'.</para>
/// </summary>
public static class ProcPmap
{
    /// <summary>The minor number of the internal shm mount here (00:01), which pmap discovers by
    /// attaching a SysV segment of its own (discover_shm_minor()).</summary>
    public const uint ReferenceShmMinor = 1;

    /// <summary>Fields -X leaves out (pmap's is_unimportant()); -XX shows them.</summary>
    private static readonly string[] s_unimportant =
        ["AnonHugePages", "KernelPageSize", "MMUPageSize", "Shared_Dirty", "Private_Dirty", "Shared_Clean", "Private_Clean"];

    /// <summary>pmap's map_desc buffer: -X/-XX print at most 127 characters of the name.</summary>
    private const int MapDescMax = 127;

    /// <summary>The output of pmap in format <paramref name="format"/> for process <paramref name="p"/>.</summary>
    public static string Format(PmapProcess p, PmapFormat format, uint shmMinor = ReferenceShmMinor)
    {
        var sb = new StringBuilder(p.Mappings.Count * (format == PmapFormat.All ? 320 : 80) + 256);
        sb.Append(p.Pid.ToString(CultureInfo.InvariantCulture)).Append(":   ").Append(p.Cmdline).Append('\n');
        switch (format)
        {
            case PmapFormat.Default:
                FormatDefault(sb, p, shmMinor);
                break;
            case PmapFormat.Extended:
                FormatExtended(sb, p, shmMinor);
                break;
            default:
                FormatDetails(sb, p, format == PmapFormat.All);
                break;
        }
        return sb.ToString();
    }

    /// <summary>The name column of the default and -x formats (pmap's mapping_name()).</summary>
    public static string MappingName(PmapProcess p, PmapMapping m, uint shmMinor = ReferenceShmMinor)
    {
        if (m.DevMajor == 0 && m.DevMinor == shmMinor && m.Name.Contains("/SYSV", StringComparison.Ordinal))
        {
            return "  [ shmid=0x" + m.Inode.ToString("x", CultureInfo.InvariantCulture) + " ]";
        }
        int slash = m.Name.LastIndexOf('/');
        if (slash >= 0)
        {
            return slash + 1 < m.Name.Length ? m.Name[(slash + 1)..] : "/";
        }
        return p.StartStack >= m.Start && p.StartStack <= m.End ? "  [ stack ]" : "  [ anon ]";
    }

    /// <summary>The mode column: "rwx" then '-' for private or 's' for shared, then '-'.</summary>
    private static string Mode(string perms)
    {
        char[] m = (perms + "-").ToCharArray(0, 5);
        if (m[3] == 'p')
        {
            m[3] = '-';
        }
        m[4] = '-';
        return new string(m);
    }

    /// <summary>"%016lx %6luK mode name" per mapping, then " total %16ldK".</summary>
    private static void FormatDefault(StringBuilder sb, PmapProcess p, uint shmMinor)
    {
        ulong total = 0;
        foreach (PmapMapping m in p.Mappings)
        {
            ulong size = m.End - m.Start;
            total += size;
            sb.Append(m.Start.ToString("x16", CultureInfo.InvariantCulture)).Append(' ');
            Right(sb, Dec(size >> 10), 6).Append("K ").Append(Mode(m.Perms)).Append(' ')
                .Append(MappingName(p, m, shmMinor)).Append('\n');
        }
        sb.Append(" total ");
        Right(sb, Dec(total >> 10), 16).Append("K\n");
    }

    /// <summary>-x: a header, "address kbytes rss dirty mode name" per mapping (16, 7, 7, 7, 5
    /// wide), a dashed line and "total kB" with the sums.</summary>
    private static void FormatExtended(StringBuilder sb, PmapProcess p, uint shmMinor)
    {
        sb.Append("Address          ").Append(" Kbytes ").Append("    RSS ").Append("  Dirty ").Append("Mode  ").Append("Mapping\n");
        ulong total = 0;
        ulong totalRss = 0;
        ulong totalDirty = 0;
        foreach (PmapMapping m in p.Mappings)
        {
            ulong size = m.End - m.Start;
            ulong rss = m.Field("Rss");
            ulong dirty = m.Field("Shared_Dirty") + m.Field("Private_Dirty");
            total += size;
            totalRss += rss;
            totalDirty += dirty;
            sb.Append(m.Start.ToString("x16", CultureInfo.InvariantCulture)).Append(' ');
            Right(sb, Dec(size >> 10), 7).Append(' ');
            Right(sb, Dec(rss), 7).Append(' ');
            Right(sb, Dec(dirty), 7).Append(' ');
            Right(sb, Mode(m.Perms), 5).Append(' ').Append(MappingName(p, m, shmMinor)).Append('\n');
        }
        sb.Append("---------------- ------- ------- ------- \n");
        sb.Append("total kB         ");
        Right(sb, Dec(total >> 10), 7).Append(' ');
        Right(sb, Dec(totalRss), 7).Append(' ');
        Right(sb, Dec(totalDirty), 7).Append('\n');
    }

    /// <summary>
    /// -X / -XX (print_extended_maps()): columns Address, Perm, Offset, Device, Inode, then each
    /// numeric smaps field in the order of the first mapping, [-XX: VmFlags], Mapping. Every
    /// column is right-aligned to the widest of its heading and its values; a field column to
    /// its heading or its total. Then a row of '=' under the field columns and their totals,
    /// ending "KB ".
    /// </summary>
    private static void FormatDetails(StringBuilder sb, PmapProcess p, bool all)
    {
        var keys = new List<string>();
        if (p.Mappings.Count > 0)
        {
            foreach (KeyValuePair<string, string> kv in p.Mappings[0].Fields)
            {
                if (all || Array.IndexOf(s_unimportant, kv.Key) < 0)
                {
                    keys.Add(kv.Key);
                }
            }
        }
        var totals = new ulong[keys.Count];
        int wAddr = 0;
        int wPerm = 0;
        int wOff = 0;
        int wDev = 0;
        int wInode = 0;
        int wFlags = 0;
        bool hasFlags = false;
        foreach (PmapMapping m in p.Mappings)
        {
            wAddr = Math.Max(wAddr, m.StartText.Length);
            wPerm = Math.Max(wPerm, m.Perms.Length);
            wOff = Math.Max(wOff, m.OffsetText.Length);
            wDev = Math.Max(wDev, m.DeviceText.Length);
            wInode = Math.Max(wInode, m.InodeText.Length);
            for (int i = 0; i < keys.Count; i++)
            {
                totals[i] += m.Field(keys[i]);
            }
            if (m.VmFlags is not null)
            {
                hasFlags = true;
                wFlags = Math.Max(wFlags, m.VmFlags.Length);
            }
        }
        var widths = new int[keys.Count];
        for (int i = 0; i < keys.Count; i++)
        {
            widths[i] = Math.Max(keys[i].Length, Dec(totals[i]).Length);
        }
        bool flagsColumn = all && hasFlags;
        if (p.Mappings.Count > 0)
        {
            wAddr = Heading(sb, "Address", wAddr);
            wPerm = Heading(sb, "Perm", wPerm);
            wOff = Heading(sb, "Offset", wOff);
            wDev = Heading(sb, "Device", wDev);
            wInode = Heading(sb, "Inode", wInode);
            for (int i = 0; i < keys.Count; i++)
            {
                Heading(sb, keys[i], widths[i]);
            }
            if (flagsColumn)
            {
                wFlags = Heading(sb, "VmFlags", wFlags);
            }
            sb.Append("Mapping\n");
        }
        foreach (PmapMapping m in p.Mappings)
        {
            Right(sb, m.StartText, wAddr);
            Right(sb.Append(' '), m.Perms, wPerm);
            Right(sb.Append(' '), m.OffsetText, wOff);
            Right(sb.Append(' '), m.DeviceText, wDev);
            Right(sb.Append(' '), m.InodeText, wInode);
            for (int i = 0; i < keys.Count; i++)
            {
                Right(sb.Append(' '), FieldText(m, keys[i]), widths[i]);
            }
            if (flagsColumn)
            {
                Right(sb.Append(' '), m.VmFlags ?? "", wFlags);
            }
            string desc = m.Name.Length > MapDescMax ? m.Name[..MapDescMax] : m.Name;
            int slash = desc.LastIndexOf('/');
            sb.Append(' ').Append(slash >= 0 ? desc[(slash + 1)..] : desc).Append('\n');
        }
        if (keys.Count == 0)
        {
            return;
        }
        int gap = wAddr + 1 + wPerm + 1 + wOff + 1 + wDev + 1 + wInode + 1;
        sb.Append(' ', gap);
        for (int i = 0; i < keys.Count; i++)
        {
            sb.Append('=', widths[i]).Append(' ');
        }
        sb.Append('\n').Append(' ', gap);
        for (int i = 0; i < keys.Count; i++)
        {
            Right(sb, Dec(totals[i]), widths[i]).Append(' ');
        }
        sb.Append("KB \n");
    }

    /// <summary>The digits of smaps field <paramref name="key"/> as the file printed them.</summary>
    private static string FieldText(PmapMapping m, string key)
    {
        foreach (KeyValuePair<string, string> kv in m.Fields)
        {
            if (kv.Key == key)
            {
                return kv.Value;
            }
        }
        return "";
    }

    /// <summary>A right-aligned heading at least <paramref name="width"/> wide and a space; returns the width used.</summary>
    private static int Heading(StringBuilder sb, string text, int width)
    {
        width = Math.Max(width, text.Length);
        Right(sb, text, width).Append(' ');
        return width;
    }

    private static StringBuilder Right(StringBuilder sb, string s, int width)
    {
        if (s.Length < width)
        {
            sb.Append(' ', width - s.Length);
        }
        return sb.Append(s);
    }

    private static string Dec(ulong v) => v.ToString(CultureInfo.InvariantCulture);
}
