using System.Globalization;
using System.Text;
using Mmsim.Mm;
using Mmsim.Proc;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Statements;

/// <summary>
/// <c>show WHAT</c>:
/// <list type="bullet">
/// <item><c>show /proc/PID/FILE</c> with PID a pid, a name, <c>$var</c> or <c>self</c>, FILE one of maps,
/// smaps, smaps_rollup, status, statm, or <c>pagemap ADDR [LEN]</c> (decoded: one line per page);</item>
/// <item><c>show /proc/meminfo</c>, <c>vmstat</c>, <c>buddyinfo</c>, <c>slabinfo</c>: the machine's;</item>
/// <item><c>show mm</c>: every live task's mm and active_mm with mm_users and mm_count;
/// <c>show cpus</c>: what each CPU runs and which mm is loaded there; <c>show layout</c>: the current
/// process's mm_struct boundaries (start_code ... start_stack, mmap_base);</item>
/// <item><c>show NAME</c>: names this moment: a line with the current process's VSZ, RSS and faults
/// (and the sample of the timeline gets the name).</item>
/// </list>
/// The /proc texts are the model's formatters (src/Mmsim/Proc), byte for byte what the files would hold.
/// </summary>
public sealed class ShowStatement : Statement
{
    /// <summary>The files of /proc/PID a scenario can show.</summary>
    public static readonly string[] ProcessFiles = ["maps", "smaps", "smaps_rollup", "status", "statm", "pagemap"];

    /// <summary>The machine-wide files of /proc a scenario can show.</summary>
    public static readonly string[] MachineFiles = ["meminfo", "vmstat", "buddyinfo", "slabinfo"];

    private readonly string _what;
    private readonly string? _pid;
    private readonly IReadOnlyList<string> _operands;

    private ShowStatement(StatementSource source, string what, string? pid, IReadOnlyList<string> operands)
        : base(source)
    {
        _what = what;
        _pid = pid;
        _operands = operands;
    }

    public static Statement Parse(StatementSource source)
    {
        List<string> words = Operands.Split(source, source.Rest);
        if (words.Count == 0)
        {
            throw source.Error("expected 'show /proc/...', 'show mm', 'show cpus', 'show layout' or 'show NAME'");
        }
        string what = words[0];
        if (!what.StartsWith('/'))
        {
            if (words.Count > 1 || !ScenarioSyntax.IsName(what))
            {
                throw source.Error("expected 'show /proc/...', 'show mm', 'show cpus', 'show layout' or 'show NAME' (one word: letters, digits, '_', '-')");
            }
            return new ShowStatement(source, what, null, []);
        }
        string[] parts = what.Split('/');
        if (parts.Length == 3 && parts[1] == "proc" && MachineFiles.Contains(parts[2]) && words.Count == 1)
        {
            return new ShowStatement(source, parts[2], null, []);
        }
        if (parts.Length != 4 || parts[1] != "proc" || parts[2].Length == 0 || !ProcessFiles.Contains(parts[3]))
        {
            throw source.Error($"bad /proc path '{what}' (shown: /proc/PID/{{{string.Join(",", ProcessFiles)}}}, /proc/{{{string.Join(",", MachineFiles)}}})");
        }
        List<string> operands = words.GetRange(1, words.Count - 1);
        if (parts[3] == "pagemap" ? operands.Count is < 1 or > 2 : operands.Count != 0)
        {
            throw source.Error(parts[3] == "pagemap" ? "expected 'show /proc/PID/pagemap ADDR [LEN]'" : $"'{words[1]}': /proc/PID/{parts[3]} takes nothing more");
        }
        foreach (string op in operands)
        {
            if (Expr.SyntaxError(op) is { } error)
            {
                throw source.Error($"bad address or length: {error}");
            }
        }
        return new ShowStatement(source, parts[3], parts[2], operands);
    }

    public override void Execute(ScenarioRun run)
    {
        if (_pid is not null)
        {
            Task t = run.ResolveTask(this, _pid);
            if (t.Mm is null)
            {
                throw run.Error(this, $"pid {t.Pid} ({t.Comm}) is a kernel thread: its /proc/{t.Pid}/{_what} is empty");
            }
            run.Out.Write(_what == "pagemap" ? Pagemap(run, t.Mm) : ProcessFile(run, t, _what));
            return;
        }
        switch (_what)
        {
            case "meminfo":
                run.Out.Write(ProcMeminfo.Format(MeminfoValues.Compute(run.Kernel.Paging!.Phys, VmStatSnapshot.Of(run.Kernel), new MeminfoValues())));
                return;
            case "vmstat":
                run.Out.Write(ProcVmstat.Format(VmStatSnapshot.Of(run.Kernel)));
                return;
            case "buddyinfo":
                run.Out.Write(BuddyInfo.Format(run.Kernel.Paging!.Phys));
                return;
            case "slabinfo":
                run.Out.Write(SlabInfo.Format(run.Kernel.Paging!.Slabs));
                return;
            case "mm":
                MmReport.Tasks(run);
                return;
            case "cpus":
                MmReport.Cpus(run);
                return;
            case "layout":
                MmReport.Layout(run, run.CurrentTask(this));
                return;
            default:
                Moment(run);
                return;
        }
    }

    /// <summary>/proc/PID/FILE of the task's process, as the replay's --proc-dir writes it.</summary>
    public static string ProcessFile(ScenarioRun run, Task task, string file)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(task);
        MmStruct mm = task.Mm!;
        RssStat rss = RssStat.Of(mm);
        switch (file)
        {
            case "maps":
                return ProcMaps.Format(mm);
            case "smaps":
                return ProcSmaps.Format(mm, (Vma v, ref MemSizeStats mss) => SmapsGather.Gather(mm, v, ref mss), SmapsConfig.Reference);
            case "smaps_rollup":
                return ProcSmapsRollup.Format(mm, (Vma v, ref MemSizeStats mss) => SmapsGather.Gather(mm, v, ref mss));
            case "statm":
                return ProcStatm.Format(mm, rss);
            default:
                int threads = 0;
                foreach (Task t in run.Kernel.Tasks.Values)
                {
                    threads += t.Tgid == task.Tgid && !t.Exited ? 1 : 0;
                }
                Task leader = run.Kernel.Find(task.Tgid) ?? task;
                return ProcStatus.Format(TaskStatusRecord.ForTask(leader, Math.Max(threads, 1)), mm, rss);
        }
    }

    /// <summary>The pagemap entries of [ADDR, ADDR+LEN) decoded: "ADDR present pfn 0x... anon exclusive" or "ADDR not present".</summary>
    private string Pagemap(ScenarioRun run, MmStruct mm)
    {
        ulong addr = Page.AlignDown((ulong)run.Eval(this, _operands[0]));
        long len = _operands.Count > 1 ? run.Eval(this, _operands[1]) : 1;
        if (len <= 0 || len > 1L << 24)
        {
            throw run.Error(this, $"length {len}: give 1 to 16M bytes");
        }
        int pages = (int)((Page.Align((ulong)run.Eval(this, _operands[0]) + (ulong)len) - addr) >> Page.Shift);
        byte[] buf = new byte[pages * 8];
        if (mm.Paging is null || ProcPagemap.Read(mm, mm.Paging.PagemapPageAt, (addr >> Page.Shift) * 8, buf) != buf.Length)
        {
            throw run.Error(this, $"pagemap cannot be read at {ScenarioRun.Hex(addr)}");
        }
        var sb = new StringBuilder();
        for (int i = 0; i < pages; i++)
        {
            PagemapPage p = ProcPagemap.Decode(BitConverter.ToUInt64(buf, i * 8));
            sb.Append(ScenarioRun.Hex(addr + ((ulong)i << Page.Shift))).Append(": ");
            sb.Append(p.Kind switch
            {
                PagemapPteKind.Present => $"present pfn {ScenarioRun.Hex(p.Pfn)} {(p.File ? "file" : "anon")}{(p.Exclusive ? " exclusive" : "")}",
                PagemapPteKind.Swap => "swapped",
                _ => "not present",
            });
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private void Moment(ScenarioRun run)
    {
        ScenarioSample f = run.Figures(run.Current);
        string who = run.Current is null ? "no process" : run.Current.Exited ? $"pid {run.Current.Tgid} ({run.Current.Comm}, exited)" : $"pid {f.Pid} ({f.Comm})";
        run.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"== {_what} (line {Line}): {who}: VSZ {f.VszKiB} KiB, RSS {f.RssKiB} KiB, faults {f.Faults} ({f.MinFlt} minor, {f.MajFlt} major)"));
        run.Label(_what);
    }
}
