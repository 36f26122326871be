using System.Globalization;
using System.Text;

namespace Mmsim.Difftest;

/// <summary>One argument of a call: a number, or an earlier call's result plus an offset.</summary>
/// <param name="Slot">The id of the call whose result is used, or -1 for a plain number.</param>
/// <param name="Value">The number, or the offset added to the slot's result.</param>
public readonly record struct DiffArg(int Slot, long Value)
{
    /// <summary>A plain number.</summary>
    public static DiffArg Num(long value) => new(-1, value);

    /// <summary>Call <paramref name="slot"/>'s result plus <paramref name="offset"/>.</summary>
    public static DiffArg Ref(int slot, long offset = 0) => new(slot, offset);

    /// <summary>The text form: <c>0x1000</c>, <c>-1</c>, <c>$3</c>, <c>$3+0x2000</c>, <c>$3-0x1000</c>.</summary>
    public override string ToString()
    {
        if (Slot < 0)
        {
            return Hex(Value);
        }
        if (Value == 0)
        {
            return "$" + Slot.ToString(CultureInfo.InvariantCulture);
        }
        return "$" + Slot.ToString(CultureInfo.InvariantCulture) + (Value > 0 ? "+" : "") + Hex(Value);
    }

    private static string Hex(long v) => v switch
    {
        < 0 and > -4096 => v.ToString(CultureInfo.InvariantCulture),
        < 0 => "-0x" + ((ulong)(-v)).ToString("x", CultureInfo.InvariantCulture),
        < 16 => v.ToString(CultureInfo.InvariantCulture),
        _ => "0x" + v.ToString("x", CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// One call of a program: its id (the slot its result is kept in), the fork or thread call whose
/// child runs it (-1: the main program), the operation and its arguments, passed to the system
/// call as they are (mmap's fifth argument is a file index 0..4 or -1, which the runner turns
/// into its descriptor).
/// </summary>
public sealed record DiffCall(int Id, int Owner, string Op, DiffArg[] Args)
{
    /// <summary>The text line: <c>ID OWNER OP ARG...</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Id.ToString(CultureInfo.InvariantCulture)).Append(' ')
          .Append(Owner < 0 ? "-" : Owner.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Op);
        foreach (DiffArg a in Args)
        {
            sb.Append(' ').Append(a.ToString());
        }
        return sb.ToString();
    }
}

/// <summary>
/// A program for the native runner (src/Mmsim.Cli/Native/difftest_runner.c): calls in the order
/// they run, one a line. A fork or thread call's child runs the calls owned by it (they follow
/// it); the runner waits for the child before it goes on.
/// </summary>
public sealed class DiffProgram
{
    /// <summary>The operations the runner knows.</summary>
    public static readonly IReadOnlySet<string> Ops = new HashSet<string>(StringComparer.Ordinal)
    {
        "mmap", "munmap", "mprotect", "mremap", "brk", "madvise", "mlock", "munlock", "mlock2",
        "mlockall", "munlockall", "mseal", "mincore", "fork", "thread",
    };

    /// <summary>The runner's limit on call ids.</summary>
    public const int MaxCalls = 8192;

    public DiffProgram(IReadOnlyList<DiffCall> calls, string comment = "")
    {
        Calls = calls;
        Comment = comment;
    }

    public IReadOnlyList<DiffCall> Calls { get; }

    /// <summary>A first line starting with '#' (what made the program), or empty.</summary>
    public string Comment { get; }

    /// <summary>The program text the runner reads.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        if (Comment.Length > 0)
        {
            sb.Append("# ").Append(Comment).Append('\n');
        }
        foreach (DiffCall c in Calls)
        {
            sb.Append(c.ToString()).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Reads a program text; a malformed line throws <see cref="FormatException"/> naming
    /// <paramref name="name"/>:line.
    /// </summary>
    public static DiffProgram Parse(string text, string name)
    {
        var calls = new List<DiffCall>();
        var seen = new HashSet<int>();
        string comment = "";
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] == '#')
            {
                if (calls.Count == 0 && comment.Length == 0)
                {
                    comment = line[1..].Trim();
                }
                continue;
            }
            string where = $"{name}:{n + 1}";
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3)
            {
                throw new FormatException($"{where}: expected 'ID OWNER OP ARG...'");
            }
            if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= MaxCalls || !seen.Add(id))
            {
                throw new FormatException($"{where}: bad or repeated call id '{f[0]}'");
            }
            int owner = -1;
            if (f[1] != "-" && (!int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out owner) || !seen.Contains(owner)))
            {
                throw new FormatException($"{where}: owner '{f[1]}' is not an earlier call");
            }
            if (!Ops.Contains(f[2]))
            {
                throw new FormatException($"{where}: unknown operation '{f[2]}'");
            }
            if (f.Length - 3 > 6)
            {
                throw new FormatException($"{where}: more than 6 arguments");
            }
            var args = new DiffArg[f.Length - 3];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = ParseArg(f[i + 3], where, seen);
            }
            calls.Add(new DiffCall(id, owner, f[2], args));
        }
        return new DiffProgram(calls, comment);
    }

    private static DiffArg ParseArg(string s, string where, HashSet<int> seen)
    {
        if (s[0] == '$')
        {
            int k = 1;
            while (k < s.Length && char.IsAsciiDigit(s[k]))
            {
                k++;
            }
            if (k == 1 || !int.TryParse(s.AsSpan(1, k - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int slot) || !seen.Contains(slot))
            {
                throw new FormatException($"{where}: '{s}' refers to no earlier call");
            }
            long off = 0;
            if (k < s.Length && !TryNumber(s.AsSpan(k), out off))
            {
                throw new FormatException($"{where}: bad offset in '{s}'");
            }
            return DiffArg.Ref(slot, off);
        }
        if (!TryNumber(s, out long v))
        {
            throw new FormatException($"{where}: bad number '{s}'");
        }
        return DiffArg.Num(v);
    }

    private static bool TryNumber(ReadOnlySpan<char> s, out long v)
    {
        bool neg = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            neg = s[0] == '-';
            s = s[1..];
        }
        bool ok = s.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong u)
            : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out u);
        v = neg ? -(long)u : (long)u;
        return ok && s.Length > 0;
    }

    /// <summary>
    /// This program without the given calls and without every call that can no longer run:
    /// one referring to a removed call's result, or run by a removed fork or thread's child.
    /// </summary>
    public DiffProgram Without(IReadOnlySet<int> removed)
    {
        var gone = new HashSet<int>(removed);
        var kept = new List<DiffCall>(Calls.Count);
        foreach (DiffCall c in Calls)
        {
            bool drop = gone.Contains(c.Id) || (c.Owner >= 0 && gone.Contains(c.Owner));
            foreach (DiffArg a in c.Args)
            {
                drop |= a.Slot >= 0 && gone.Contains(a.Slot);
            }
            if (drop)
            {
                gone.Add(c.Id);
            }
            else
            {
                kept.Add(c);
            }
        }
        return new DiffProgram(kept, Comment);
    }
}
