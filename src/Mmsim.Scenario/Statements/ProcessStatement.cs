using System.Text;
using Mmsim.Mm;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Statements;

/// <summary>
/// Starts a process and makes it the current one:
/// <list type="bullet">
/// <item><c>process NAME</c>: an empty address space with the usual top-down mmap layout (nothing mapped: only the calls that follow make it);</item>
/// <item><c>process NAME exec PATH [ARGS...]</c>: execve of a real ELF program (the host's file, through the
/// replay's loader): the process as it is when execve returns, before its dynamic loader runs;</item>
/// <item><c>process NAME layout { text SIZE; data SIZE; bss SIZE; heap SIZE; stack SIZE }</c>: a described
/// program (any part may be left out; the braces may span lines): exec'd as a static ELF built to those sizes
/// (<see cref="LayoutElf"/>), then its heap grown with brk and its stack written down to SIZE.</item>
/// <item><c>process NAME replay FILE</c>: a recorded <c>strace -f</c> log replayed into the model (<see cref="ReplayInto"/>),
/// its processes held at exit_group, as a recorder reads their /proc files: NAME is the log's first process.</item>
/// </list>
/// </summary>
public sealed partial class ProcessStatement : Statement
{
    /// <summary>The environment a scenario's programs start with.</summary>
    public static readonly string[] Environment = ["PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8"];

    private static readonly string[] s_layoutKeys = ["text", "data", "bss", "heap", "stack"];

    private readonly string _name;
    private readonly IReadOnlyList<string>? _argv;
    private readonly Dictionary<string, string>? _layout;
    private readonly string? _log;

    private ProcessStatement(StatementSource source, string name, IReadOnlyList<string>? argv, Dictionary<string, string>? layout, string? log = null)
        : base(source)
    {
        _name = name;
        _argv = argv;
        _layout = layout;
        _log = log;
    }

    public static Statement Parse(StatementSource source)
    {
        IReadOnlyList<string> words = source.Words();
        if (words.Count == 0 || !ScenarioSyntax.IsName(words[0]))
        {
            throw source.Error("expected 'process NAME [exec PATH [ARGS...] | layout { ... }]' (a name: letters, digits, '_', '-')");
        }
        string name = words[0];
        if (words.Count == 1)
        {
            return new ProcessStatement(source, name, null, null);
        }
        switch (words[1])
        {
            case "exec" when words.Count >= 3:
                return new ProcessStatement(source, name, [.. words.Skip(2)], null);
            case "exec":
                throw source.Error("'exec' needs the program's path");
            case "replay" when words.Count == 3:
                return new ProcessStatement(source, name, null, null, words[2]);
            case "replay":
                throw source.Error("expected 'process NAME replay FILE' (an strace -f log)");
            case "layout":
                int brace = source.Rest.IndexOf('{', StringComparison.Ordinal);
                if (brace < 0)
                {
                    throw source.Error("expected 'layout {' followed by sizes: text, data, bss, heap, stack");
                }
                return new ProcessStatement(source, name, null, ParseLayout(source, source.Rest[(brace + 1)..]));
            default:
                throw source.Error($"'{words[1]}': after the name comes 'exec PATH', 'layout {{ ... }}', 'replay FILE' (or nothing)");
        }
    }

    private static Dictionary<string, string> ParseLayout(StatementSource source, string afterBrace)
    {
        var sizes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((int line, string item) in source.ReadBlock(afterBrace))
        {
            int sep = item.IndexOfAny([' ', '\t', '=', ':']);
            string key = sep < 0 ? item : item[..sep];
            string value = sep < 0 ? "" : item[(sep + 1)..].Trim().TrimStart('=', ':').Trim();
            if (!s_layoutKeys.Contains(key))
            {
                throw source.Error(line, $"unknown layout part '{key}' (parts: {string.Join(", ", s_layoutKeys)})");
            }
            if (Expr.SyntaxError(value) is { } error)
            {
                throw source.Error(line, $"{key}: {error}");
            }
            if (!sizes.TryAdd(key, value))
            {
                throw source.Error(line, $"'{key}' is given twice");
            }
        }
        return sizes;
    }

    public override void Execute(ScenarioRun run)
    {
        int pid = run.NextPid();
        if (_log is not null)
        {
            pid = ReplayInto(run, this, _log);
        }
        else if (_argv is not null)
        {
            Exec(run, pid, _argv[0], _argv);
        }
        else if (_layout is not null)
        {
            RunLayout(run, pid);
        }
        else
        {
            Task bare = run.Kernel.CreateInitTask(pid);
            bare.Comm = _name.Length > 15 ? _name[..15] : _name;
            // The mmap layout every exec picks (top-down below the stack gap), with nothing mapped.
            Binfmt.BinfmtElf.PickMmapLayout(bare.Mm!);
        }
        Task t = run.Kernel.Find(pid)!;
        run.Name(this, _name, t);
        run.Current = t;
    }

    private void Exec(ScenarioRun run, int pid, string path, IReadOnlyList<string> argv)
    {
        var sb = new StringBuilder("execve(");
        Quote(sb, path).Append(", [");
        for (int i = 0; i < argv.Count; i++)
        {
            Quote(i > 0 ? sb.Append(", ") : sb, argv[i]);
        }
        sb.Append("], [");
        for (int i = 0; i < Environment.Length; i++)
        {
            Quote(i > 0 ? sb.Append(", ") : sb, Environment[i]);
        }
        sb.Append("])");
        run.Call(this, sb.ToString(), pid);
    }

    private static StringBuilder Quote(StringBuilder sb, string s) =>
        sb.Append('"').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');

    private void RunLayout(ScenarioRun run, int pid)
    {
        ulong Size(string key, long max, string maxText)
        {
            long v = _layout!.TryGetValue(key, out string? e) ? run.Eval(this, e) : 0;
            return v >= 0 && v <= max ? (ulong)v : throw run.Error(this, $"{key}: size {v} out of range (0 to {maxText})");
        }
        // text and data are file contents the ELF image built for the layout holds, byte for
        // byte: at most 256M each (bss, heap and stack take no file space).
        ulong text = Size("text", 256L << 20, "256M");
        ulong data = Size("data", 256L << 20, "256M");
        ulong bss = Size("bss", 1L << 40, "1T");
        ulong heap = Size("heap", 1L << 40, "1T");
        ulong stack = Size("stack", 1L << 40, "1T");
        string path = "/scenario/" + _name;
        run.AddProgram(path, LayoutElf.Build(text, data, bss));
        Exec(run, pid, path, [_name]);
        Task t = run.Kernel.Find(pid)!;
        if (heap > 0)
        {
            long brk = run.Call(this, "brk(NULL)", pid);
            run.Call(this, $"brk({ScenarioRun.Hex((ulong)brk + heap)})", pid);
        }
        ulong top = Page.AlignDown(t.Mm!.StartStack);
        for (ulong a = top; a + stack > top && a > Page.Size; a -= Page.Size)
        {
            if (!run.Deliver(t, run.Kernel.Access(t, a, AccessKind.Write), a))
            {
                return;
            }
        }
    }
}
