using System.Text;
using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>/proc/PID/maps, formatted as show_map_vma() (fs/proc/task_mmu.c) prints it.</summary>
public static class ProcMaps
{
    /// <summary>The gate VMA of x86-64 with vsyscall emulation: listed last, not part of the mm.</summary>
    public const string VsyscallLine = "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

    /// <summary>Column where names start, minus one: seq_setwidth(25 + 6 * sizeof(void *) - 1).</summary>
    public const int NamePadWidth = 72;

    /// <summary>Writes the whole maps text of an mm, one line per VMA, then [vsyscall].</summary>
    public static string Format(MmStruct mm)
    {
        var sb = new StringBuilder(mm.MapCount * 100);
        foreach (Vma vma in mm.Vmas)
        {
            AppendLine(sb, mm, vma);
        }
        sb.Append(VsyscallLine).Append('\n');
        return sb.ToString();
    }

    /// <summary>Appends one VMA's line.</summary>
    public static void AppendLine(StringBuilder sb, MmStruct mm, Vma vma)
    {
        int lineStart = sb.Length;
        uint major = 0;
        uint minor = 0;
        ulong ino = 0;
        ulong offset = 0;
        if (vma.File is not null)
        {
            major = vma.File.Inode.DevMajor;
            minor = vma.File.Inode.DevMinor;
            ino = vma.File.Inode.Ino;
            offset = vma.PgOff << Page.Shift;
        }
        VmFlags f = vma.Flags;
        ProcText.Hex(sb, vma.Start, 8).Append('-');
        ProcText.Hex(sb, vma.End, 8).Append(' ');
        sb.Append((f & VmFlags.Read) != 0 ? 'r' : '-');
        sb.Append((f & VmFlags.Write) != 0 ? 'w' : '-');
        sb.Append((f & VmFlags.Exec) != 0 ? 'x' : '-');
        sb.Append((f & VmFlags.MayShare) != 0 ? 's' : 'p');
        ProcText.Hex(sb.Append(' '), offset, 8).Append(' ');
        ProcText.Hex(sb, major, 2).Append(':');
        ProcText.Hex(sb, minor, 2).Append(' ');
        sb.Append(ino).Append(' ');
        string? name = Name(mm, vma);
        if (name is not null)
        {
            int pad = NamePadWidth - (sb.Length - lineStart);
            if (pad > 0)
            {
                sb.Append(' ', pad);
            }
            sb.Append(' ').Append(name);
        }
        sb.Append('\n');
    }

    /// <summary>get_vma_name(): the file path, a special name, [heap], [stack] or [anon:NAME].</summary>
    public static string? Name(MmStruct mm, Vma vma)
    {
        if (vma.File is not null)
        {
            // seq_file_path(m, file, "\n"): a newline in the path is written as \012, so that
            // every mapping stays one line.
            string path = vma.File.Inode.Path.Contains('\n', StringComparison.Ordinal)
                ? vma.File.Inode.Path.Replace("\n", "\\012", StringComparison.Ordinal)
                : vma.File.Inode.Path;
            return vma.File.Inode.Unlinked ? path + " (deleted)" : path;
        }
        if (vma.SpecialName is not null)
        {
            return vma.SpecialName;
        }
        if (vma.Start < mm.Brk && vma.End > mm.StartBrk)
        {
            return "[heap]";
        }
        if (vma.Start <= mm.StartStack && vma.End >= mm.StartStack)
        {
            return "[stack]";
        }
        return vma.AnonName is null ? null : "[anon:" + vma.AnonName + "]";
    }
}
