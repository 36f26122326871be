using Mmsim.Mm;
using Mmsim.Process;
using Mmsim.Tlb;
using Task = Mmsim.Process.Task;

namespace Mmsim.Scenario.Statements;

/// <summary>
/// <c>read|write|exec ADDR [LEN]</c>: the current process loads, stores or fetches instructions at
/// ADDR (one byte), or at every page of [ADDR, ADDR+LEN). Each access goes through the CPU as a user
/// access does (<see cref="Kernel.Access"/>: TLB, page walk, page fault). An access the kernel
/// refuses is delivered as its signal (printed) and kills the process; the rest of the range is not touched.
/// </summary>
public sealed class TouchStatement : Statement
{
    /// <summary>The longest range one statement touches (1 GiB: 262144 pages).</summary>
    public const ulong MaxLength = 1UL << 30;

    private readonly AccessKind _kind;
    private readonly string _addr;
    private readonly string? _len;

    private TouchStatement(StatementSource source, AccessKind kind, string addr, string? len)
        : base(source)
    {
        _kind = kind;
        _addr = addr;
        _len = len;
    }

    /// <summary>Parses the operands and checks their syntax.</summary>
    public static Statement Parse(StatementSource source)
    {
        AccessKind kind = source.Keyword switch
        {
            "read" => AccessKind.Read,
            "write" => AccessKind.Write,
            _ => AccessKind.Execute,
        };
        List<string> ops = Operands.Split(source, source.Rest);
        if (ops.Count is < 1 or > 2)
        {
            throw source.Error($"expected '{source.Keyword} ADDR [LEN]'");
        }
        foreach (string op in ops)
        {
            if (Expr.SyntaxError(op) is { } error)
            {
                throw source.Error($"bad address or length: {error}");
            }
        }
        return new TouchStatement(source, kind, ops[0], ops.Count > 1 ? ops[1] : null);
    }

    public override void Execute(ScenarioRun run)
    {
        Task task = run.CurrentTask(this);
        ulong addr = (ulong)run.Eval(this, _addr);
        long len = _len is null ? 1 : run.Eval(this, _len);
        if (len <= 0 || (ulong)len > MaxLength)
        {
            throw run.Error(this, $"length {len}: give 1 to {MaxLength} bytes");
        }
        if (addr + (ulong)len < addr)
        {
            throw run.Error(this, $"the range at {ScenarioRun.Hex(addr)} wraps past the end of the address space");
        }
        ulong end = addr + (ulong)len;
        for (ulong a = addr; a < end; a = Page.AlignDown(a) + Page.Size)
        {
            FaultResult r = run.Kernel.Access(task, a, _kind);
            if (!run.Deliver(task, r, a))
            {
                return;
            }
        }
    }
}

/// <summary>
/// <c>explain ADDR [read|write|exec]</c>: one access of the current process, with the explanation
/// (<see cref="Kernel.Explain"/>): TLB hit or miss, the page walk entry by entry, the fault. The
/// access happens (a refused one is delivered as its signal).
/// </summary>
public sealed class ExplainStatement : Statement
{
    private readonly string _addr;
    private readonly AccessKind _kind;

    private ExplainStatement(StatementSource source, string addr, AccessKind kind)
        : base(source)
    {
        _addr = addr;
        _kind = kind;
    }

    public static Statement Parse(StatementSource source)
    {
        List<string> ops = Operands.Split(source, source.Rest);
        AccessKind kind = AccessKind.Read;
        if (ops.Count == 2)
        {
            kind = ops[1] switch
            {
                "read" => AccessKind.Read,
                "write" => AccessKind.Write,
                "exec" => AccessKind.Execute,
                _ => throw source.Error($"'{ops[1]}': the access is read, write or exec"),
            };
        }
        else if (ops.Count != 1)
        {
            throw source.Error("expected 'explain ADDR [read|write|exec]'");
        }
        if (Expr.SyntaxError(ops[0]) is { } error)
        {
            throw source.Error($"bad address: {error}");
        }
        return new ExplainStatement(source, ops[0], kind);
    }

    public override void Execute(ScenarioRun run)
    {
        Task task = run.CurrentTask(this);
        ulong addr = (ulong)run.Eval(this, _addr);
        Arch.X86.TranslateExplain e = run.Kernel.Explain(task, addr, _kind);
        run.Out.WriteLine(e.ToString());
        run.Deliver(task, e.Result, addr);
    }
}
