using System.Globalization;

namespace Mmsim.Proc;

/// <summary>
/// The lines of /proc/PID/status the memory model does not simulate: identity, credentials,
/// namespaces, signals, capabilities, seccomp, CPU and memory-node affinity, context switches.
/// The defaults are those of a root process on the reference machine (2 CPUs, 1 node, no PKU);
/// <see cref="Parse"/> takes them from a recorded status file.
/// </summary>
public sealed class TaskStatusRecord
{
    /// <summary>comm.</summary>
    public string Name { get; set; } = "";

    /// <summary>fs->umask.</summary>
    public int Umask { get; set; } = 0x12;

    /// <summary>get_task_state() text, e.g. "R (running)", "t (tracing stop)".</summary>
    public string State { get; set; } = "R (running)";

    public int Tgid { get; set; }

    public int Ngid { get; set; }

    public int Pid { get; set; }

    public int PPid { get; set; }

    public int TracerPid { get; set; }

    /// <summary>Real, effective, saved and filesystem uid.</summary>
    public int[] Uid { get; set; } = [0, 0, 0, 0];

    /// <summary>Real, effective, saved and filesystem gid.</summary>
    public int[] Gid { get; set; } = [0, 0, 0, 0];

    /// <summary>The fd table's max_fds.</summary>
    public int FdSize { get; set; } = 64;

    /// <summary>Supplementary groups.</summary>
    public int[] Groups { get; set; } = [];

    /// <summary>tgid, pid, pgid, sid in each pid namespace, outermost first (NStgid ... NSsid).</summary>
    public int[] NsTgid { get; set; } = [];

    public int[] NsPid { get; set; } = [];

    public int[] NsPgid { get; set; } = [];

    public int[] NsSid { get; set; } = [];

    /// <summary>PF_KTHREAD.</summary>
    public bool Kthread { get; set; }

    /// <summary>CoreDumping: a core dump is in progress.</summary>
    public bool CoreDumping { get; set; }

    /// <summary>THP_enabled: THP not disabled by prctl(PR_SET_THP_DISABLE).</summary>
    public bool ThpEnabled { get; set; } = true;

    /// <summary>untag_mask (no LAM in use: all ones).</summary>
    public ulong UntagMask { get; set; } = ulong.MaxValue;

    /// <summary>Threads in the thread group.</summary>
    public int Threads { get; set; } = 1;

    /// <summary>SigQ: queued signals of the user / RLIMIT_SIGPENDING.</summary>
    public string SigQ { get; set; } = "0/96365";

    public ulong SigPnd { get; set; }

    public ulong ShdPnd { get; set; }

    public ulong SigBlk { get; set; }

    public ulong SigIgn { get; set; }

    public ulong SigCgt { get; set; }

    public ulong CapInh { get; set; }

    public ulong CapPrm { get; set; } = 0x000001fffeffffffUL;

    public ulong CapEff { get; set; } = 0x000001fffeffffffUL;

    public ulong CapBnd { get; set; } = 0x000001fffeffffffUL;

    public ulong CapAmb { get; set; }

    public int NoNewPrivs { get; set; }

    public int Seccomp { get; set; }

    public int SeccompFilters { get; set; }

    public string SpeculationStoreBypass { get; set; } = "thread vulnerable";

    public string SpeculationIndirectBranch { get; set; } = "conditional enabled";

    public string CpusAllowed { get; set; } = "3";

    public string CpusAllowedList { get; set; } = "0-1";

    public string MemsAllowed { get; set; } = string.Join(',', Enumerable.Repeat("00000000", 31)) + ",00000001";

    public string MemsAllowedList { get; set; } = "0";

    public ulong VoluntaryCtxtSwitches { get; set; }

    public ulong NonvoluntaryCtxtSwitches { get; set; }

    /// <summary>A record with the identity the process model knows (comm, pid, tgid, parent's tgid,
    /// and the same ids in the single pid namespace); everything else keeps its default.</summary>
    public static TaskStatusRecord ForTask(Process.Task task, int threads = 1)
    {
        int ppid = task.Parent?.Tgid ?? 0;
        return new TaskStatusRecord
        {
            Name = task.Comm,
            Tgid = task.Tgid,
            Pid = task.Pid,
            PPid = ppid,
            NsTgid = [task.Tgid],
            NsPid = [task.Pid],
            NsPgid = [task.Tgid],
            NsSid = [task.Tgid],
            Threads = threads,
        };
    }

    /// <summary>Reads the non-memory lines of a recorded status file. Throws
    /// <see cref="FormatException"/> on a malformed number.</summary>
    public static TaskStatusRecord Parse(string status)
    {
        var r = new TaskStatusRecord();
        foreach (string line in status.Split('\n'))
        {
            int tab = line.IndexOf(":\t", StringComparison.Ordinal);
            if (tab < 0)
            {
                continue;
            }
            r.Set(line[..tab], line[(tab + 2)..]);
        }
        return r;
    }

    private void Set(string key, string v)
    {
        switch (key)
        {
            case "Name": Name = v; break;
            case "Umask": Umask = Convert.ToInt32(v, 8); break;
            case "State": State = v; break;
            case "Tgid": Tgid = Int(v); break;
            case "Ngid": Ngid = Int(v); break;
            case "Pid": Pid = Int(v); break;
            case "PPid": PPid = Int(v); break;
            case "TracerPid": TracerPid = Int(v); break;
            case "Uid": Uid = Ints(v, '\t'); break;
            case "Gid": Gid = Ints(v, '\t'); break;
            case "FDSize": FdSize = Int(v); break;
            case "Groups": Groups = Ints(v, ' '); break;
            case "NStgid": NsTgid = Ints(v, '\t'); break;
            case "NSpid": NsPid = Ints(v, '\t'); break;
            case "NSpgid": NsPgid = Ints(v, '\t'); break;
            case "NSsid": NsSid = Ints(v, '\t'); break;
            case "Kthread": Kthread = v == "1"; break;
            case "CoreDumping": CoreDumping = v == "1"; break;
            case "THP_enabled": ThpEnabled = v == "1"; break;
            case "untag_mask": UntagMask = Hex(v[2..]); break;
            case "Threads": Threads = Int(v); break;
            case "SigQ": SigQ = v; break;
            case "SigPnd": SigPnd = Hex(v); break;
            case "ShdPnd": ShdPnd = Hex(v); break;
            case "SigBlk": SigBlk = Hex(v); break;
            case "SigIgn": SigIgn = Hex(v); break;
            case "SigCgt": SigCgt = Hex(v); break;
            case "CapInh": CapInh = Hex(v); break;
            case "CapPrm": CapPrm = Hex(v); break;
            case "CapEff": CapEff = Hex(v); break;
            case "CapBnd": CapBnd = Hex(v); break;
            case "CapAmb": CapAmb = Hex(v); break;
            case "NoNewPrivs": NoNewPrivs = Int(v); break;
            case "Seccomp": Seccomp = Int(v); break;
            case "Seccomp_filters": SeccompFilters = Int(v); break;
            case "Speculation_Store_Bypass": SpeculationStoreBypass = v; break;
            case "SpeculationIndirectBranch": SpeculationIndirectBranch = v; break;
            case "Cpus_allowed": CpusAllowed = v; break;
            case "Cpus_allowed_list": CpusAllowedList = v; break;
            case "Mems_allowed": MemsAllowed = v; break;
            case "Mems_allowed_list": MemsAllowedList = v; break;
            case "voluntary_ctxt_switches": VoluntaryCtxtSwitches = ulong.Parse(v, CultureInfo.InvariantCulture); break;
            case "nonvoluntary_ctxt_switches": NonvoluntaryCtxtSwitches = ulong.Parse(v, CultureInfo.InvariantCulture); break;
            default: break;
        }
    }

    private static int Int(string v) => int.Parse(v, CultureInfo.InvariantCulture);

    private static ulong Hex(string v) => ulong.Parse(v, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static int[] Ints(string v, char sep)
    {
        string[] parts = v.Split(sep, StringSplitOptions.RemoveEmptyEntries);
        var a = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            a[i] = Int(parts[i]);
        }
        return a;
    }
}
