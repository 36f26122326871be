using Mmsim.Strace;

namespace Mmsim.Scenario.Statements;

/// <summary>
/// <c>[$name =] call(args) [= result]</c>: a system call as strace prints it, made by the current
/// process. Arguments may be expressions (<c>$a+4096</c>, <c>2*4096</c>, <c>8K</c>); a written result
/// is checked against the model's (a mismatch is reported as a replay reports a divergence); the
/// model's result goes to the variable.
/// </summary>
public sealed class CallStatement : Statement
{
    private readonly string _call;
    private readonly string? _assignTo;

    private CallStatement(StatementSource source, string call, string? assignTo)
        : base(source)
    {
        _call = call;
        _assignTo = assignTo;
    }

    /// <summary>Checks the call's syntax with the strace reader (every variable taken as 0).</summary>
    public static Statement Parse(StatementSource source, string call, string? assignTo)
    {
        string probe = ScenarioRun.SubstituteExpressions(call, _ => 0, out string? error);
        if (error is not null)
        {
            throw source.Error(error);
        }
        try
        {
            StraceReader.ParseCall(probe, source.FileName, source.Line);
        }
        catch (StraceFormatException e)
        {
            throw source.Error(e.Reason);
        }
        return new CallStatement(source, call, assignTo);
    }

    public override void Execute(ScenarioRun run)
    {
        long result = run.Call(this, _call, run.CurrentTask(this, needMm: false).Pid);
        if (_assignTo is not null)
        {
            run.SetVariable(_assignTo, result);
        }
    }
}

/// <summary><c>$name = EXPR</c>: a variable for later statements.</summary>
public sealed class AssignStatement : Statement
{
    private readonly string _name;
    private readonly string _expr;

    private AssignStatement(StatementSource source, string name, string expr)
        : base(source)
    {
        _name = name;
        _expr = expr;
    }

    /// <summary>Checks the expression's syntax.</summary>
    public static Statement Parse(StatementSource source, string name, string expr)
    {
        if (Expr.SyntaxError(expr) is { } error)
        {
            throw source.Error(error);
        }
        return new AssignStatement(source, name, expr);
    }

    public override void Execute(ScenarioRun run) => run.SetVariable(_name, run.Eval(this, _expr));
}

/// <summary><c>print TEXT</c>: a line of text as written (<c>$name</c> is replaced by its value: hex from 0x10000 up, else decimal).</summary>
public sealed class PrintStatement : Statement
{
    private readonly string _text;

    private PrintStatement(StatementSource source)
        : base(source)
    {
        _text = source.Rest;
    }

    public static Statement Parse(StatementSource source) => new PrintStatement(source);

    public override void Execute(ScenarioRun run)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < _text.Length; i++)
        {
            if (_text[i] == '$' && i + 1 < _text.Length && (char.IsAsciiLetter(_text[i + 1]) || _text[i + 1] == '_'))
            {
                int end = i + 1;
                while (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] == '_'))
                {
                    end++;
                }
                string name = _text[(i + 1)..end];
                sb.Append(run.Variable(name) is { } v ? ScenarioRun.Show(v) : throw run.Error(this, $"undefined variable ${name}"));
                i = end - 1;
            }
            else
            {
                sb.Append(_text[i]);
            }
        }
        run.Out.WriteLine(sb.ToString());
    }
}

/// <summary><c>trace on|off</c>: whether calls are printed with their results (on at the start).</summary>
public sealed class TraceStatement : Statement
{
    private readonly bool _on;

    private TraceStatement(StatementSource source, bool on)
        : base(source)
    {
        _on = on;
    }

    public static Statement Parse(StatementSource source)
    {
        return source.Rest switch
        {
            "on" => new TraceStatement(source, true),
            "off" => new TraceStatement(source, false),
            _ => throw source.Error("expected 'trace on' or 'trace off'"),
        };
    }

    public override void Execute(ScenarioRun run) => run.TraceCalls = _on;
}
