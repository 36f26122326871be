using System.Text;
using Mmsim.Replay;

namespace Mmsim.Cli.Fuzz;

/// <summary>What one fuzz input did to the tool.</summary>
internal enum FuzzVerdict
{
    /// <summary>Read and run (exit 0 or 1).</summary>
    Accepted,

    /// <summary>Refused as bad input: exit 2 with one line naming the place.</summary>
    Rejected,

    /// <summary>An unhandled exception, a refusal without its one located line, or another exit status.</summary>
    Failed,
}

/// <summary>One input's outcome: the verdict, and for a failure what went wrong.</summary>
internal readonly record struct FuzzOutcome(FuzzVerdict Verdict, string Detail);

/// <summary>A reader of the tool under fuzzing: turns one input into an outcome, in this process.</summary>
internal abstract class FuzzTarget
{
    /// <summary>The target's name on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>The real inputs mutations start from (at least one).</summary>
    public abstract IReadOnlyList<byte[]> Corpus { get; }

    /// <summary>Whether inputs are text (line-level mutations too) or binary.</summary>
    public abstract bool IsText { get; }

    /// <summary>Runs the tool's reader on one input.</summary>
    public abstract FuzzOutcome Run(byte[] input);

    /// <summary>
    /// Judges a command's exit status and its error output: 0 and 1 accept; 2 must come with
    /// exactly one line on stderr, "mmsim: " and then the place (FILE:LINE, or the option).
    /// </summary>
    protected static FuzzOutcome Judge(int status, string stderr, bool needsLine)
    {
        if (status is 0 or 1)
        {
            return new FuzzOutcome(FuzzVerdict.Accepted, "");
        }
        if (status != 2)
        {
            return new FuzzOutcome(FuzzVerdict.Failed, $"exit status {status}");
        }
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        if (lines.Length != 1 || !lines[0].StartsWith("mmsim: ", StringComparison.Ordinal))
        {
            return new FuzzOutcome(FuzzVerdict.Failed, $"exit 2 with {lines.Length} lines of error: {Clip(stderr)}");
        }
        if (needsLine && !HasLineNumber(lines[0]))
        {
            return new FuzzOutcome(FuzzVerdict.Failed, $"exit 2 without a file:line: {Clip(stderr)}");
        }
        return new FuzzOutcome(FuzzVerdict.Rejected, lines[0]);
    }

    /// <summary>Whether the message names a place as NAME:LINE: (a colon, digits, a colon).</summary>
    private static bool HasLineNumber(string message)
    {
        for (int i = 0; i + 2 < message.Length; i++)
        {
            if (message[i] == ':' && char.IsAsciiDigit(message[i + 1]))
            {
                int j = i + 1;
                while (j < message.Length && char.IsAsciiDigit(message[j]))
                {
                    j++;
                }
                if (j < message.Length && message[j] == ':')
                {
                    return true;
                }
            }
        }
        return false;
    }

    protected static string Clip(string s) => s.Length > 300 ? s[..300] + "..." : s.ReplaceLineEndings(" | ");
}

/// <summary>The strace reader and the replay: a mutated log replayed with --check, paging on.</summary>
internal sealed class StraceTarget : FuzzTarget
{
    private readonly List<byte[]> _corpus;
    private readonly IHostFiles _host;
    private readonly Mmsim.Phys.PhysMemConfig _ram;

    public StraceTarget(List<byte[]> corpus, IHostFiles host, Mmsim.Phys.PhysMemConfig ram)
    {
        _corpus = corpus;
        _host = host;
        _ram = ram;
    }

    public override string Name => "strace";

    public override IReadOnlyList<byte[]> Corpus => _corpus;

    public override bool IsText => true;

    public override FuzzOutcome Run(byte[] input)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var options = new ReplayOptions { Paging = _ram, ProcFiles = true };
        int status = ReplayCommand.Replay(() => new StreamReader(new MemoryStream(input), Encoding.UTF8), "fuzz.log", _host,
            procDir: null, ReplayMode.Check, quiet: false, stdout, stderr, options);
        return Judge(status, stderr.ToString(), needsLine: true);
    }
}

/// <summary>
/// The ELF reader and loader: a real program's file mutated, then exec'd by a replayed log
/// (the program's path is served from memory, everything else from the host).
/// </summary>
internal sealed class ElfTarget : FuzzTarget
{
    private readonly List<byte[]> _corpus;
    private readonly byte[] _log;
    private readonly string _exePath;
    private readonly IHostFiles _host;
    private readonly Mmsim.Phys.PhysMemConfig _ram;

    public ElfTarget(List<byte[]> corpus, byte[] log, string exePath, IHostFiles host, Mmsim.Phys.PhysMemConfig ram)
    {
        _corpus = corpus;
        _log = log;
        _exePath = exePath;
        _host = host;
        _ram = ram;
    }

    public override string Name => "elf";

    public override IReadOnlyList<byte[]> Corpus => _corpus;

    public override bool IsText => false;

    public override FuzzOutcome Run(byte[] input)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var host = new OverlayHost(_host, _exePath, input);
        var options = new ReplayOptions { Paging = _ram };
        int status = ReplayCommand.Replay(() => new StreamReader(new MemoryStream(_log), Encoding.UTF8), "exec.log", host,
            procDir: null, ReplayMode.Check, quiet: true, stdout, stderr, options);
        return Judge(status, stderr.ToString(), needsLine: true);
    }

    /// <summary>The host's files, with one path's contents replaced.</summary>
    private sealed class OverlayHost(IHostFiles inner, string path, byte[] contents) : IHostFiles
    {
        public HostFile? Stat(string p)
        {
            HostFile? f = inner.Stat(p);
            return p == path && f is not null ? f with { Size = (ulong)contents.Length } : f;
        }

        public byte[]? ReadAll(string p) => p == path ? contents : inner.ReadAll(p);
    }
}

/// <summary>
/// The command line: argument vectors built from the commands' real options, values (good,
/// missing, malformed, huge) and random tokens, run through <see cref="Program.Run"/>. Commands
/// that would run for long on valid options (bench, difftest) get only broken ones.
/// </summary>
internal sealed class OptionsTarget : FuzzTarget
{
    private static readonly string[] s_commands = ["replay", "demo", "help", "bench", "--help", "-h", "", "replay", "replay"];

    private static readonly string[] s_options =
    [
        "--check", "--follow", "--root", "--proc-dir", "--cwd", "--no-assume-writes", "--no-paging", "--quiet", "--help",
        "-h", "--list", "--svg", "--only", "--reps", "--quick", "--iterations", "--model-only", "--count", "--seed", "-",
        "--", "-x", "--root=", "vma", "paging", "replay", "demo",
    ];

    private readonly List<byte[]> _corpus;
    private readonly string _trace;
    private readonly string _scratch;

    /// <param name="trace">A small real log the replay options are tried on.</param>
    /// <param name="scratch">An empty directory for --proc-dir (output files only).</param>
    public OptionsTarget(string trace, string scratch)
    {
        _trace = trace;
        _scratch = scratch;
        _corpus = [Encoding.UTF8.GetBytes($"replay\n{trace}\n--quiet\n"), Encoding.UTF8.GetBytes("help\nreplay\n"), Encoding.UTF8.GetBytes("demo\n--help\n")];
    }

    public override string Name => "options";

    public override IReadOnlyList<byte[]> Corpus => _corpus;

    public override bool IsText => true;

    /// <summary>An input is one argument per line; the mutator's line and byte changes make the vectors.</summary>
    public override FuzzOutcome Run(byte[] input)
    {
        string[] args = Encoding.UTF8.GetString(input).Split('\n', StringSplitOptions.None);
        if (args.Length > 0 && args[^1].Length == 0)
        {
            args = args[..^1];
        }
        for (int i = 0; i < args.Length; i++)
        {
            // Paths the tool would write to stay in the scratch directory; the trace it reads is the corpus one.
            if (i > 0 && args[i - 1] == "--proc-dir")
            {
                args[i] = Path.Combine(_scratch, "out");
            }
        }
        if (args.Length > 0 && args[0] is "bench" or "difftest" && !HasBadToken(args))
        {
            return new FuzzOutcome(FuzzVerdict.Accepted, "");   // a valid benchmark run: not a reader's business
        }
        if (args.Length > 0 && args[0] == "demo" && !Program.AsksForHelp(args))
        {
            return new FuzzOutcome(FuzzVerdict.Accepted, "");   // the demo runs for seconds; its options are tried through --help
        }
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status;
        try
        {
            status = Program.Run(args, stdout, stderr);
        }
        catch (UsageException e)
        {
            stderr.WriteLine(Program.ErrorLine(e.Message));
            status = 2;
        }
        if (status == 2 && stderr.ToString().Length == 0 && stdout.ToString().StartsWith("Usage", StringComparison.Ordinal)
            || status == 2 && stderr.ToString().Length == 0 && stdout.ToString().StartsWith("mmsim: the Linux", StringComparison.Ordinal))
        {
            // A command given nothing to do prints its usage (exit 2), as getopt-style tools do.
            return new FuzzOutcome(FuzzVerdict.Rejected, "usage");
        }
        FuzzOutcome o = Judge(status, stderr.ToString(), needsLine: false);
        return o.Verdict == FuzzVerdict.Failed
            ? o with { Detail = $"{o.Detail} (args: {Clip(string.Join(' ', args.Select(a => $"'{a}'")))})" }
            : o;
    }

    /// <summary>A token no command takes: the run stops at parsing.</summary>
    private static bool HasBadToken(string[] args)
    {
        foreach (string a in args.AsSpan(1))
        {
            if (a.Length == 0 || a.Contains("zz", StringComparison.Ordinal) || a.StartsWith("--bad", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Extra argument vectors: options in random order with good, bad and missing values.</summary>
    public byte[] Synthesize(Mutator m)
    {
        var args = new List<string> { s_commands[m.Next(s_commands.Length)] };
        int n = m.Next(6);
        for (int i = 0; i < n; i++)
        {
            switch (m.Next(5))
            {
                case 0:
                    args.Add(_trace);
                    break;
                case 1:
                    args.Add(m.Next(2) == 0 ? "--badzz" : "zz" + m.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case 2:
                    args.Add(m.Next(3) switch { 0 => "-5", 1 => "99999999999999999999", _ => "0" });
                    break;
                default:
                    args.Add(s_options[m.Next(s_options.Length)]);
                    break;
            }
        }
        return Encoding.UTF8.GetBytes(string.Join('\n', args) + "\n");
    }
}

/// <summary>
/// The scenario language (<c>mmsim run</c>): a mutated scenario parsed and run on a fresh
/// machine, as <see cref="RunCommand"/> does (a <see cref="Mmsim.Scenario.ScenarioException"/>
/// is its exit 2 with FILE:LINE).
/// </summary>
internal sealed class ScenarioTarget : FuzzTarget
{
    private readonly List<byte[]> _corpus;
    private readonly IHostFiles _host;
    private readonly Mmsim.Phys.PhysMemConfig _ram;
    private readonly string _baseDirectory;

    public ScenarioTarget(List<byte[]> corpus, IHostFiles host, Mmsim.Phys.PhysMemConfig ram, string baseDirectory)
    {
        _corpus = corpus;
        _host = host;
        _ram = ram;
        _baseDirectory = baseDirectory;
    }

    public override string Name => "scenario";

    public override IReadOnlyList<byte[]> Corpus => _corpus;

    public override bool IsText => true;

    public override FuzzOutcome Run(byte[] input)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(input);
        }
        catch (DecoderFallbackException)
        {
            return new FuzzOutcome(FuzzVerdict.Rejected, "not UTF-8");   // RunCommand reads text; File.ReadAllText replaces bad bytes
        }
        try
        {
            Mmsim.Scenario.ScenarioRun run = Mmsim.Scenario.ScenarioRun.Execute(text, "fuzz.scn", _host, TextWriter.Null, ram: _ram,
                baseDirectory: _baseDirectory);
            return new FuzzOutcome(FuzzVerdict.Accepted, run.Divergences.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Mmsim.Scenario.ScenarioException e)
        {
            return Judge(2, Program.ErrorLine(e.Message) + "\n", needsLine: true);
        }
    }
}
