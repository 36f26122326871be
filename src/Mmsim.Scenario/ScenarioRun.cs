using System.Globalization;
using Mmsim.Mm;
using Mmsim.Phys;
using Mmsim.Proc;
using Mmsim.Process;
using Mmsim.Replay;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario;

/// <summary>
/// Runs a parsed scenario on a fresh model: a paging kernel of the reference machine (24 GiB, the
/// replay's), driven by the replay's own dispatcher (<see cref="Replayer.Step"/>) for every system
/// call, so a call in a scenario does exactly what the same line does in a replayed log. Keeps the
/// state statements share: variables, named processes, the current process, the timeline.
/// Output goes to the given writer only; files are read only through the given <see cref="IHostFiles"/>.
/// </summary>
public sealed partial class ScenarioRun
{
    /// <summary>The first pid a scenario hands out (as if a shell had run before).</summary>
    public const int FirstPid = 1000;

    private readonly Dictionary<string, long> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    private readonly List<ScenarioSample> _timeline = new();
    private readonly LayoutFiles _files;
    private Task? _current;
    private int _step;
    private string? _label;

    /// <summary>Creates a run whose output goes to output; fileName names the scenario in messages.</summary>
    public ScenarioRun(IHostFiles host, TextWriter output, string fileName, PhysMemConfig? ram = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _files = new LayoutFiles(host);
        Out = output ?? throw new ArgumentNullException(nameof(output));
        FileName = fileName;
        Replayer = new Replayer(_files, ReplayMode.Check, options: new ReplayOptions
        {
            AssumeWrites = false,
            Paging = ram ?? PhysMemConfig.Default,
        });
    }

    /// <summary>The replayer whose dispatcher applies the scenario's calls.</summary>
    public Replayer Replayer { get; }

    /// <summary>The files programs and logs are read from (the host's, with the described programs over them).</summary>
    public IHostFiles Files => _files;

    /// <summary>The scenario file's directory: relative paths of logs to replay are taken from there (null: as given).</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>A path a statement names, relative ones taken from <see cref="BaseDirectory"/>.</summary>
    public string PathOf(string path) => BaseDirectory is null || Path.IsPathRooted(path) ? path : Path.Combine(BaseDirectory, path);

    /// <summary>The model.</summary>
    public Kernel Kernel => Replayer.Kernel;

    /// <summary>Where statements write what they show.</summary>
    public TextWriter Out { get; }

    /// <summary>The scenario's name in messages.</summary>
    public string FileName { get; }

    /// <summary>Print each call with the model's result, strace-style (the <c>trace on|off</c> statement); on by default.</summary>
    public bool TraceCalls { get; set; } = true;

    /// <summary>Calls whose written result (<c>= result</c>) differed from the model's.</summary>
    public IReadOnlyList<Divergence> Divergences => Replayer.Divergences;

    /// <summary>One sample per statement run, in order (see <see cref="ScenarioSample"/>).</summary>
    public IReadOnlyList<ScenarioSample> Timeline => _timeline;

    /// <summary>Called with each sample as it is taken (a report can draw as the run goes).</summary>
    public Action<ScenarioSample>? OnSample { get; set; }

    /// <summary>The current process's task (the one calls and touches act on), or null before any process exists.</summary>
    public Task? Current
    {
        get => _current;
        set => _current = value;
    }

    /// <summary>Parses and runs a scenario; throws <see cref="ScenarioException"/> at the first error.</summary>
    public static ScenarioRun Execute(string text, string fileName, IHostFiles host, TextWriter output, ScenarioSyntax? syntax = null,
        PhysMemConfig? ram = null, string? baseDirectory = null)
    {
        IReadOnlyList<Statement> statements = (syntax ?? ScenarioSyntax.CreateDefault()).Parse(text, fileName);
        var run = new ScenarioRun(host, output, fileName, ram) { BaseDirectory = baseDirectory };
        run.Run(statements);
        return run;
    }

    /// <summary>Runs the statements in order, taking a sample after each.</summary>
    public void Run(IReadOnlyList<Statement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        foreach (Statement s in statements)
        {
            _label = null;
            try
            {
                s.Execute(this);
            }
            catch (InvalidOperationException e)
            {
                // A precondition of the model the statement did not meet (the statements check the ones they know of).
                throw Error(s, e.Message);
            }
            catch (MachineOutOfMemoryException e)
            {
                throw Error(s, $"the simulated machine is out of memory ({e.Message})");
            }
            Sample(s, _label);
        }
    }

    /// <summary>An error naming the statement's line.</summary>
    public ScenarioException Error(Statement s, string reason) => new(FileName, s.Line, reason);

    /// <summary>A variable's value, or null when it was never set.</summary>
    public long? Variable(string name) => _variables.TryGetValue(name, out long v) ? v : null;

    /// <summary>Sets a variable (name without the <c>$</c>).</summary>
    public void SetVariable(string name, long value) => _variables[name] = value;

    /// <summary>Evaluates an expression (see <see cref="Expr"/>) now; errors name the statement's line.</summary>
    public long Eval(Statement s, string expression)
    {
        if (!Expr.TryEvaluate(expression, Variable, out long v, out string? error))
        {
            throw Error(s, error!);
        }
        return v;
    }

    /// <summary>A pid for a new task: one above every pid in use, and at least <see cref="FirstPid"/>.</summary>
    public int NextPid()
    {
        int pid = FirstPid;
        foreach (int used in Kernel.Tasks.Keys)
        {
            pid = Math.Max(pid, used + 1);
        }
        return pid;
    }

    /// <summary>Gives a task a name statements can refer to it by; a name in use by a live task is an error.</summary>
    public void Name(Statement s, string name, Task task)
    {
        if (_names.TryGetValue(name, out int pid) && Kernel.Find(pid) is { Exited: false })
        {
            throw Error(s, $"the name '{name}' is already taken by pid {pid}");
        }
        _names[name] = task.Pid;
    }

    /// <summary>The name given to a task, or null.</summary>
    public string? NameOf(Task task)
    {
        foreach ((string name, int pid) in _names)
        {
            if (pid == task.Pid)
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>
    /// The task a reference names: <c>self</c> (the current process), a pid, a <c>$variable</c>
    /// holding a pid, or a name given by process, fork, thread or kthread. Unknown and exited tasks
    /// are errors.
    /// </summary>
    public Task ResolveTask(Statement s, string reference)
    {
        Task? t;
        if (reference == "self")
        {
            t = _current ?? throw Error(s, "no process yet: start one with 'process NAME ...'");
        }
        else if (reference.Length > 0 && (char.IsAsciiDigit(reference[0]) || reference[0] == '$'))
        {
            long pid = Eval(s, reference);
            t = pid is > 0 and <= int.MaxValue ? Kernel.Find((int)pid) : null;
            if (t is null)
            {
                throw Error(s, $"no process with pid {pid}");
            }
        }
        else if (_names.TryGetValue(reference, out int pid))
        {
            t = Kernel.Find(pid)!;
        }
        else
        {
            throw Error(s, $"unknown process '{reference}'" + (_names.Count > 0 ? $" (named so far: {string.Join(", ", _names.Keys)})" : ""));
        }
        if (t.Exited)
        {
            throw Error(s, $"'{reference}' (pid {t.Pid}) has exited");
        }
        return t;
    }

    /// <summary>The current task, which must exist, be alive and (for memory statements) have an address space.</summary>
    public Task CurrentTask(Statement s, bool needMm = true)
    {
        Task t = _current ?? throw Error(s, "no process yet: start one with 'process NAME ...'");
        if (t.Exited)
        {
            throw Error(s, $"the current process (pid {t.Pid}) has exited; choose another with 'in TASK'");
        }
        if (needMm && t.Mm is null)
        {
            throw Error(s, $"pid {t.Pid} ({t.Comm}) is a kernel thread: it has no user address space");
        }
        return t;
    }

    /// <summary>Takes the timeline sample of the current process after statement s; label names the moment.</summary>
    public ScenarioSample Sample(Statement s, string? label)
    {
        ArgumentNullException.ThrowIfNull(s);
        ScenarioSample sample = Figures(_current) with { Step = _step++, Line = s.Line, Statement = s.Text, Label = label };
        _timeline.Add(sample);
        OnSample?.Invoke(sample);
        return sample;
    }

    /// <summary>VSZ, RSS and the faults of a task's process now (zeros for none, an exited one or a kernel thread).</summary>
    public ScenarioSample Figures(Task? t)
    {
        if (t is null || t.Exited || t.Mm is null)
        {
            return new ScenarioSample(0, 0, "", null, t?.Tgid ?? 0, t?.Comm ?? "", 0, 0, 0, 0);
        }
        (long min, long maj) = Kernel.ProcessFaults(t.Tgid);
        MmStruct mm = t.Mm;
        ulong rss = mm.Paging is null ? 0 : RssStat.Of(mm).Rss;
        return new ScenarioSample(0, 0, "", null, t.Tgid, t.Comm, mm.TotalVm * (Page.Size / 1024), rss * (Page.Size / 1024), min, maj);
    }

    private readonly Dictionary<MmStruct, int> _mmIds = new(ReferenceEqualityComparer.Instance);

    /// <summary>A small number for an mm_struct, in order of first appearance (for tables: "mm #2").</summary>
    public int MmId(MmStruct mm)
    {
        if (!_mmIds.TryGetValue(mm, out int id))
        {
            id = _mmIds.Count + 1;
            _mmIds[mm] = id;
        }
        return id;
    }

    /// <summary>Names the moment of the statement running (its sample in the timeline gets the label).</summary>
    public void Label(string label) => _label = label;

    /// <summary>Makes a described program (an ELF image) exec-able at path, over the host's files.</summary>
    public void AddProgram(string path, byte[] image) => _files.Add(path, image);

    /// <summary>A value as statements print it: hex from 0x10000 up (addresses), decimal below and for negative values (errors).</summary>
    public static string Show(long v) => v >= 0x10000 ? Hex((ulong)v) : v.ToString(CultureInfo.InvariantCulture);

    /// <summary>"0x7ffff7ff9000" for an address-like value, decimal otherwise.</summary>
    public static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
}
