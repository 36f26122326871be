using System.Text;
using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>/proc/PID/statm as proc_pid_statm() prints it: size resident shared text lib data dt,
/// in pages, lib and dt always 0.</summary>
public static class ProcStatm
{
    /// <summary>The line of a task without an mm (a kernel thread or a zombie).</summary>
    public const string NoMm = "0 0 0 0 0 0 0\n";

    /// <summary>task_statm(): total_vm, RSS, file + shmem, the code segment pages, data_vm + stack_vm.</summary>
    public static string Format(MmStruct? mm, in RssStat rss)
    {
        if (mm is null)
        {
            return NoMm;
        }
        ulong shared = rss.FilePages + rss.ShmemPages;
        ulong text = (TaskMem.PageAlign(mm.EndCode) - (mm.StartCode & ~Page.OffsetMask)) >> Page.Shift;
        var sb = new StringBuilder(64);
        sb.Append(mm.TotalVm).Append(' ').Append(shared + rss.AnonPages).Append(' ').Append(shared)
            .Append(' ').Append(text).Append(" 0 ").Append(mm.DataVm + mm.StackVm).Append(" 0\n");
        return sb.ToString();
    }
}
