using Mmsim.Replay;

namespace Mmsim.Cli;

/// <summary>
/// The part of the command line that <c>mmsim replay</c> and <c>mmsim report</c> share: the
/// trace, <c>--check</c>/<c>--follow</c>, <c>--root</c>, <c>--cwd</c> and
/// <c>--[no-]assume-writes</c>, with the same checks and messages (each names its command).
/// </summary>
internal sealed class ReplayArgs(string command)
{
    public string? Trace { get; private set; }

    public string? Root { get; private set; }

    public string? Cwd { get; private set; }

    public bool AssumeWrites { get; private set; } = true;

    public ReplayMode Mode { get; private set; } = ReplayMode.Check;

    /// <summary>Takes args[i] (and its value) when it is a shared option or the trace; false for anything else.</summary>
    public bool TryTake(string[] args, ref int i)
    {
        switch (args[i])
        {
            case "--check":
                Mode = ReplayMode.Check;
                return true;
            case "--follow":
                Mode = ReplayMode.Follow;
                return true;
            case "--root":
                Root = Value(args, ref i);
                return true;
            case "--cwd":
                Cwd = Value(args, ref i);
                if (!Cwd.StartsWith('/'))
                {
                    throw new UsageException($"{command}: --cwd {Cwd}: give the absolute directory the program started in");
                }
                return true;
            case "--assume-writes":
                AssumeWrites = true;
                return true;
            case "--no-assume-writes":
                AssumeWrites = false;
                return true;
            default:
                if (args[i].StartsWith('-'))
                {
                    return false;
                }
                if (Trace is not null)
                {
                    throw new UsageException($"{command}: one trace at a time ('{Trace}' and '{args[i]}')");
                }
                Trace = args[i];
                return true;
        }
    }

    /// <summary>The value after option args[i]; a usage error when there is none.</summary>
    public string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new UsageException($"{command}: {args[i]} needs a value");
        }
        return args[++i];
    }

    /// <summary>
    /// The checks after parsing: a trace was given (else <paramref name="missing"/>), --root is a
    /// directory, the trace is a regular file (a device or a FIFO would be read for ever).
    /// Returns the trace.
    /// </summary>
    public string CheckInput(string missing)
    {
        string trace = Trace ?? throw new UsageException(missing);
        if (Root is not null && !Directory.Exists(Root))
        {
            throw new UsageException($"{command}: --root {Root}: no such directory");
        }
        if (!File.Exists(trace))
        {
            throw new UsageException($"{trace}: no such file");
        }
        if (!NativeStat.IsRegularFile(trace))
        {
            throw new UsageException($"{trace}: not a regular file");
        }
        return trace;
    }
}
