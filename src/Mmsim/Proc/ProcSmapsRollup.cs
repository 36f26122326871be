using System.Text;
using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>/proc/PID/smaps_rollup as show_smaps_rollup() prints it: one header spanning the first
/// VMA's start to the last VMA's end, then the statistics summed over every VMA (not the gate VMA),
/// with the Pss_Anon/Pss_File/Pss_Shmem split.</summary>
public static class ProcSmapsRollup
{
    /// <summary>The whole file, gathering every VMA into one MemSizeStats as the kernel does (the
    /// proportional sizes are summed before they are shifted).</summary>
    public static string Format(MmStruct mm, SmapGather gather)
    {
        var mss = default(MemSizeStats);
        ulong start = 0;
        ulong end = 0;
        bool first = true;
        foreach (Vma vma in mm.Vmas)
        {
            if (first)
            {
                start = vma.Start;
                first = false;
            }
            end = vma.End;
            gather(vma, ref mss);
        }
        var sb = new StringBuilder(1024);
        Append(sb, start, end, mss);
        return sb.ToString();
    }

    /// <summary>The header "START-END ---p 00000000 00:00 0", padded, "[rollup]", then the statistics.</summary>
    public static void Append(StringBuilder sb, ulong start, ulong end, in MemSizeStats mss)
    {
        int lineStart = sb.Length;
        ProcText.Hex(sb, start, 8).Append('-');
        ProcText.Hex(sb, end, 8).Append(" ---p 00000000 00:00 0 ");
        int pad = ProcMaps.NamePadWidth - (sb.Length - lineStart);
        if (pad > 0)
        {
            sb.Append(' ', pad);
        }
        sb.Append(" [rollup]\n");
        ProcSmaps.AppendStats(sb, mss, rollup: true);
    }
}
