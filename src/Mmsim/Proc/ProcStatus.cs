using System.Text;
using Mmsim.Mm;

namespace Mmsim.Proc;

/// <summary>
/// /proc/PID/status as proc_pid_status() (fs/proc/array.c) prints it. The memory block (VmPeak to
/// HugetlbPages) is task_mem() over the model's <see cref="MmStruct"/> counters and an
/// <see cref="RssStat"/>; every other line comes from a <see cref="TaskStatusRecord"/>.
/// </summary>
public static class ProcStatus
{
    /// <summary>The whole file; <paramref name="mm"/> is null for a task without an mm, which then
    /// has no memory block and no CoreDumping/THP_enabled/untag_mask lines.</summary>
    public static string Format(TaskStatusRecord t, MmStruct? mm, in RssStat rss)
    {
        var sb = new StringBuilder(1600);
        sb.Append("Name:\t").Append(t.Name).Append('\n');
        AppendTaskState(sb, t);
        if (mm is not null)
        {
            AppendTaskMem(sb, mm, rss);
            sb.Append("CoreDumping:\t").Append(t.CoreDumping ? '1' : '0').Append('\n');
            sb.Append("THP_enabled:\t").Append(t.ThpEnabled ? '1' : '0').Append('\n');
            sb.Append("untag_mask:\t0x").Append(t.UntagMask.ToString("x")).Append('\n');
        }
        AppendSig(sb, t);
        Hex16(sb, "CapInh:\t", t.CapInh);
        Hex16(sb, "CapPrm:\t", t.CapPrm);
        Hex16(sb, "CapEff:\t", t.CapEff);
        Hex16(sb, "CapBnd:\t", t.CapBnd);
        Hex16(sb, "CapAmb:\t", t.CapAmb);
        sb.Append("NoNewPrivs:\t").Append(t.NoNewPrivs).Append('\n');
        sb.Append("Seccomp:\t").Append(t.Seccomp).Append('\n');
        sb.Append("Seccomp_filters:\t").Append(t.SeccompFilters).Append('\n');
        sb.Append("Speculation_Store_Bypass:\t").Append(t.SpeculationStoreBypass).Append('\n');
        sb.Append("SpeculationIndirectBranch:\t").Append(t.SpeculationIndirectBranch).Append('\n');
        sb.Append("Cpus_allowed:\t").Append(t.CpusAllowed).Append('\n');
        sb.Append("Cpus_allowed_list:\t").Append(t.CpusAllowedList).Append('\n');
        sb.Append("Mems_allowed:\t").Append(t.MemsAllowed).Append('\n');
        sb.Append("Mems_allowed_list:\t").Append(t.MemsAllowedList).Append('\n');
        sb.Append("voluntary_ctxt_switches:\t").Append(t.VoluntaryCtxtSwitches).Append('\n');
        sb.Append("nonvoluntary_ctxt_switches:\t").Append(t.NonvoluntaryCtxtSwitches).Append('\n');
        return sb.ToString();
    }

    /// <summary>task_mem(): VmPeak .. VmSwap, then HugetlbPages (hugetlb_report_usage()).</summary>
    public static void AppendTaskMem(StringBuilder sb, MmStruct mm, in RssStat rss)
    {
        const int toKb = Page.Shift - 10;
        ulong totalRss = rss.Rss;
        (ulong text, ulong lib) = TaskMem.TextLib(mm);
        Kb(sb, "VmPeak:\t", Math.Max(mm.TotalVm, mm.HiwaterVm) << toKb);
        Kb(sb, "VmSize:\t", mm.TotalVm << toKb);
        Kb(sb, "VmLck:\t", mm.LockedVm << toKb);
        Kb(sb, "VmPin:\t", mm.PinnedVm << toKb);
        Kb(sb, "VmHWM:\t", Math.Max(totalRss, rss.HiwaterRss) << toKb);
        Kb(sb, "VmRSS:\t", totalRss << toKb);
        Kb(sb, "RssAnon:\t", rss.AnonPages << toKb);
        Kb(sb, "RssFile:\t", rss.FilePages << toKb);
        Kb(sb, "RssShmem:\t", rss.ShmemPages << toKb);
        Kb(sb, "VmData:\t", mm.DataVm << toKb);
        Kb(sb, "VmStk:\t", mm.StackVm << toKb);
        Kb(sb, "VmExe:\t", text >> 10);
        Kb(sb, "VmLib:\t", lib >> 10);
        Kb(sb, "VmPTE:\t", rss.PgtablesBytes >> 10);
        Kb(sb, "VmSwap:\t", rss.SwapEnts << toKb);
        Kb(sb, "HugetlbPages:\t", rss.HugetlbUsage << toKb);
    }

    /// <summary>task_state(): Umask through Kthread.</summary>
    private static void AppendTaskState(StringBuilder sb, TaskStatusRecord t)
    {
        sb.Append("Umask:\t").Append(Convert.ToString(t.Umask, 8).PadLeft(4, '0')).Append('\n');
        sb.Append("State:\t").Append(t.State).Append('\n');
        sb.Append("Tgid:\t").Append(t.Tgid).Append('\n');
        sb.Append("Ngid:\t").Append(t.Ngid).Append('\n');
        sb.Append("Pid:\t").Append(t.Pid).Append('\n');
        sb.Append("PPid:\t").Append(t.PPid).Append('\n');
        sb.Append("TracerPid:\t").Append(t.TracerPid).Append('\n');
        Ids(sb, "Uid:", t.Uid, '\t');
        Ids(sb, "Gid:", t.Gid, '\t');
        sb.Append("FDSize:\t").Append(t.FdSize).Append('\n');
        sb.Append("Groups:\t");
        for (int i = 0; i < t.Groups.Length; i++)
        {
            sb.Append(i == 0 ? "" : " ").Append(t.Groups[i]);
        }
        sb.Append(" \n");
        Ids(sb, "NStgid:", t.NsTgid, '\t');
        Ids(sb, "NSpid:", t.NsPid, '\t');
        Ids(sb, "NSpgid:", t.NsPgid, '\t');
        Ids(sb, "NSsid:", t.NsSid, '\t');
        sb.Append("Kthread:\t").Append(t.Kthread ? '1' : '0').Append('\n');
    }

    /// <summary>task_sig(): Threads, SigQ, then the five signal masks.</summary>
    private static void AppendSig(StringBuilder sb, TaskStatusRecord t)
    {
        sb.Append("Threads:\t").Append(t.Threads).Append('\n');
        sb.Append("SigQ:\t").Append(t.SigQ).Append('\n');
        Hex16(sb, "SigPnd:\t", t.SigPnd);
        Hex16(sb, "ShdPnd:\t", t.ShdPnd);
        Hex16(sb, "SigBlk:\t", t.SigBlk);
        Hex16(sb, "SigIgn:\t", t.SigIgn);
        Hex16(sb, "SigCgt:\t", t.SigCgt);
    }

    private static void Ids(StringBuilder sb, string label, int[] ids, char sep)
    {
        sb.Append(label);
        foreach (int id in ids)
        {
            sb.Append(sep).Append(id);
        }
        sb.Append('\n');
    }

    private static void Hex16(StringBuilder sb, string label, ulong v) =>
        sb.Append(label).Append(v.ToString("x16")).Append('\n');

    private static void Kb(StringBuilder sb, string label, ulong kb) =>
        ProcText.Dec(sb.Append(label), kb, 8).Append(" kB\n");
}
