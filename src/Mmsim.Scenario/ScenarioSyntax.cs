using Mmsim.Scenario.Statements;

namespace Mmsim.Scenario;

/// <summary>Parses a statement whose keyword was registered with <see cref="ScenarioSyntax.Add"/>.</summary>
public delegate Statement StatementParser(StatementSource source);

/// <summary>
/// The statement table and the line parser. A line is, after its <c>#</c> comment is removed:
/// <list type="bullet">
/// <item>a system call as strace prints it, <c>name(args)</c>, optionally <c>= result</c>, optionally
/// assigned: <c>$a = mmap(...)</c> (see <see cref="CallStatement"/>);</item>
/// <item>an assignment <c>$name = EXPR</c>;</item>
/// <item>a statement: a keyword from the table, then its words.</item>
/// </list>
/// New statements are added to the table (<see cref="Add"/>): a subclass of <see cref="Statement"/>
/// and a parser. The whole scenario is parsed before any of it runs, so a syntax error anywhere
/// stops it before its first statement.
/// </summary>
public sealed class ScenarioSyntax
{
    private readonly Dictionary<string, StatementParser> _parsers = new(StringComparer.Ordinal);

    /// <summary>A table with every built-in statement (a fresh one each time: add to it freely).</summary>
    public static ScenarioSyntax CreateDefault()
    {
        var s = new ScenarioSyntax();
        s.Add("process", ProcessStatement.Parse);
        s.Add("in", InStatement.Parse);
        s.Add("fork", ForkStatement.Parse);
        s.Add("thread", ThreadStatement.Parse);
        s.Add("exit", ExitStatement.Parse);
        s.Add("kthread", KthreadStatement.Parse);
        s.Add("schedule", ScheduleStatement.Parse);
        s.Add("read", TouchStatement.Parse);
        s.Add("write", TouchStatement.Parse);
        s.Add("exec", TouchStatement.Parse);
        s.Add("show", ShowStatement.Parse);
        s.Add("explain", ExplainStatement.Parse);
        s.Add("pmap", PmapStatement.Parse);
        s.Add("print", PrintStatement.Parse);
        s.Add("trace", TraceStatement.Parse);
        return s;
    }

    /// <summary>The keywords in the table, sorted (for messages and help).</summary>
    public IReadOnlyList<string> Keywords
    {
        get
        {
            var k = new List<string>(_parsers.Keys);
            k.Sort(StringComparer.Ordinal);
            return k;
        }
    }

    /// <summary>Registers (or replaces) the parser of the statements starting with keyword.</summary>
    public void Add(string keyword, StatementParser parser)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyword);
        ArgumentNullException.ThrowIfNull(parser);
        _parsers[keyword] = parser;
    }

    /// <summary>Parses a whole scenario; throws <see cref="ScenarioException"/> at the first bad line.</summary>
    public IReadOnlyList<Statement> Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cursor = new LineCursor(text);
        var statements = new List<Statement>();
        while (cursor.TryNext(out int line, out string stmt))
        {
            statements.Add(ParseOne(stmt, fileName, line, cursor));
        }
        return statements;
    }

    private Statement ParseOne(string text, string fileName, int line, LineCursor cursor)
    {
        if (text.StartsWith('$'))
        {
            int eq = text.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? "" : text[1..eq].Trim();
            if (eq < 0 || !IsName(name))
            {
                throw new ScenarioException(fileName, line, "expected '$name = value' (a call or an expression)");
            }
            string rhs = text[(eq + 1)..].Trim();
            var src = new StatementSource(fileName, line, text, "$" + name, rhs, cursor);
            int callName = IdentifierEnd(rhs);
            return callName > 0 && callName < rhs.Length && rhs[callName] == '('
                ? CallStatement.Parse(src, rhs, name)
                : AssignStatement.Parse(src, name, rhs);
        }
        int end = IdentifierEnd(text);
        if (end == 0)
        {
            throw new ScenarioException(fileName, line, $"expected a statement or a system call, not '{text}'");
        }
        string keyword = text[..end];
        var source = new StatementSource(fileName, line, text, keyword, text[end..].Trim(), cursor);
        if (end < text.Length && text[end] == '(')
        {
            return CallStatement.Parse(source, text, null);
        }
        if (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            throw source.Error($"expected a statement or a system call, not '{text}'");
        }
        if (!_parsers.TryGetValue(keyword, out StatementParser? parse))
        {
            throw source.Error($"unknown statement '{keyword}' (statements: {string.Join(", ", Keywords)}; a call is written name(args))");
        }
        return parse(source);
    }

    /// <summary>A variable or process name: letters, digits, '_' and '-', not starting with a digit.</summary>
    public static bool IsName(string s)
    {
        if (s.Length == 0 || char.IsAsciiDigit(s[0]))
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                return false;
            }
        }
        return true;
    }

    private static int IdentifierEnd(string s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter(s[0]) || s[0] == '_'))
        {
            return 0;
        }
        int i = 1;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }
        return i;
    }

    /// <summary>The scenario's lines one by one, comments removed, blank lines skipped (a block reads on from it).</summary>
    public sealed class LineCursor
    {
        private readonly string[] _lines;
        private int _next;

        internal LineCursor(string text)
        {
            _lines = text.Split('\n');
        }

        /// <summary>The next non-blank line and its 1-based number.</summary>
        public bool TryNext(out int line, out string text)
        {
            while (_next < _lines.Length)
            {
                line = ++_next;
                text = StripComment(_lines[_next - 1]).Trim();
                if (text.Length > 0)
                {
                    return true;
                }
            }
            line = 0;
            text = "";
            return false;
        }

        /// <summary>The line without its comment: from a '#' outside double quotes to the end.</summary>
        internal static string StripComment(string line)
        {
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (c == '\\' && quoted)
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == '#' && !quoted)
                {
                    return line[..i];
                }
            }
            return line;
        }
    }
}
