using Mmsim.Arch.X86;
using Mmsim.Mm;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Statements;

/// <summary>The <c>show mm</c> and <c>show cpus</c> tables: who owns which mm_struct, who borrows it.</summary>
internal static class MmReport
{
    /// <summary>One line per live task: pid, comm, mm and active_mm (numbered in order of appearance) with their counts.</summary>
    public static void Tasks(ScenarioRun run)
    {
        foreach (Task t in run.Kernel.Tasks.Values)
        {
            if (t.Exited)
            {
                continue;
            }
            string kind = t.Mm is null ? "kernel thread" : t.IsLeader ? "process" : $"thread of {t.Tgid}";
            run.Out.WriteLine($"pid {t.Pid} ({t.Comm}, {kind}): mm {Mm(run, t.Mm)}, active_mm {Mm(run, t.ActiveMm)}");
        }
    }

    /// <summary>One line per CPU: the task it runs and the mm loaded in CR3 (lazy for a borrowed one).</summary>
    public static void Cpus(ScenarioRun run)
    {
        Machine m = run.Kernel.Machine!;
        foreach (Cpu c in m.Cpus)
        {
            string task = c.Current == c.Idle ? "idle" : $"pid {c.Current.Pid} ({c.Current.Comm})";
            string mm = ReferenceEquals(c.LoadedMm, m.InitMm) ? "init_mm" : Mm(run, c.LoadedMm);
            run.Out.WriteLine($"cpu {c.Id}: {task}, loaded mm {mm}{(c.IsLazy ? " (lazy TLB: borrowed)" : "")}");
        }
    }

    private static string Mm(ScenarioRun run, MmStruct? mm)
    {
        if (mm is null)
        {
            return "(null)";
        }
        if (ReferenceEquals(mm, run.Kernel.Machine?.InitMm))
        {
            return "init_mm";
        }
        return $"#{run.MmId(mm)} (mm_users {mm.MmUsers}, mm_count {mm.MmCount})";
    }

    /// <summary>
    /// The boundaries an mm_struct keeps of its process's layout (what /proc/PID/stat shows from
    /// field 45 on, and mmap_base), one per line, lowest first.
    /// </summary>
    public static void Layout(ScenarioRun run, Task task)
    {
        MmStruct mm = task.Mm!;
        (string Name, ulong Value)[] fields =
        [
            ("start_code", mm.StartCode), ("end_code", mm.EndCode), ("start_data", mm.StartData), ("end_data", mm.EndData),
            ("start_brk", mm.StartBrk), ("brk", mm.Brk), ("mmap_base", mm.MmapBase), ("start_stack", mm.StartStack),
            ("arg_start", mm.ArgStart), ("arg_end", mm.ArgEnd), ("env_start", mm.EnvStart), ("env_end", mm.EnvEnd),
        ];
        foreach ((string name, ulong value) in fields)
        {
            run.Out.WriteLine($"{name,-12}{value:x16}");
        }
    }
}
