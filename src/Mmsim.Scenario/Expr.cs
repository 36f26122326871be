using System.Globalization;

namespace Mmsim.Scenario;

/// <summary>
/// The expressions of a scenario: integers (decimal, <c>0x</c> hex, a <c>K</c>/<c>M</c>/<c>G</c> suffix
/// for KiB, MiB, GiB; <c>NULL</c> is 0), variables (<c>$heap</c>), <c>+ - * /</c>, unary minus and
/// parentheses, with the usual precedence. Arithmetic is 64-bit and wraps, as address arithmetic
/// in C does. An expression is evaluated where it is used: a variable is looked up then.
/// </summary>
public static class Expr
{
    /// <summary>
    /// Evaluates text; lookup gives a variable's value (name without the <c>$</c>) or null when it
    /// is undefined. False with a one-line reason for bad syntax, an undefined variable or a
    /// division by zero.
    /// </summary>
    public static bool TryEvaluate(string text, Func<string, long?> lookup, out long value, out string? error)
    {
        var p = new Parser(text, lookup);
        value = 0;
        try
        {
            p.SkipSpaces();
            if (p.AtEnd)
            {
                error = "expected an expression";
                return false;
            }
            value = p.Sum();
            p.SkipSpaces();
            if (!p.AtEnd)
            {
                error = $"unexpected '{text[p.Pos..]}' in expression '{text.Trim()}'";
                return false;
            }
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>Checks the syntax alone (every variable taken as defined): null, or the reason.</summary>
    public static string? SyntaxError(string text)
    {
        return TryEvaluate(text, _ => 0, out _, out string? error) ? null : error;
    }

    /// <summary>True when text looks like an expression rather than strace's own notation (a flag name, a string):
    /// it holds a variable, or is a number with a size suffix, or arithmetic on numbers.</summary>
    public static bool LooksLikeExpression(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty || text[0] is '"' or '[' or '{')
        {
            return false;
        }
        if (text.Contains('$'))
        {
            return true;
        }
        if (IsPlainLiteral(text))
        {
            // strace's own number (0644 is octal there): left as written.
            return false;
        }
        foreach (char c in text)
        {
            if (!(char.IsAsciiHexDigit(c) || c is 'x' or 'X' or 'K' or 'M' or 'G' or ' ' or '+' or '-' or '*' or '/' or '(' or ')'))
            {
                return false;
            }
        }
        return SyntaxError(text.ToString()) is null;
    }

    private static bool IsPlainLiteral(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> t = text.StartsWith('-') ? text[1..] : text;
        if (t.IsEmpty)
        {
            return false;
        }
        foreach (char c in t)
        {
            if (!char.IsAsciiHexDigit(c) && c is not 'x' and not 'X')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Recursive descent over the text; errors are thrown as FormatException and caught above.</summary>
    private sealed class Parser(string text, Func<string, long?> lookup)
    {
        public int Pos { get; private set; }

        public bool AtEnd => Pos >= text.Length;

        public void SkipSpaces()
        {
            while (Pos < text.Length && char.IsWhiteSpace(text[Pos]))
            {
                Pos++;
            }
        }

        /// <summary>sum := product (('+' | '-') product)*</summary>
        public long Sum()
        {
            long v = Product();
            while (true)
            {
                SkipSpaces();
                if (AtEnd || text[Pos] is not ('+' or '-'))
                {
                    return v;
                }
                char op = text[Pos++];
                long r = Product();
                v = unchecked(op == '+' ? v + r : v - r);
            }
        }

        /// <summary>product := unary (('*' | '/') unary)*</summary>
        private long Product()
        {
            long v = Unary();
            while (true)
            {
                SkipSpaces();
                if (AtEnd || text[Pos] is not ('*' or '/'))
                {
                    return v;
                }
                char op = text[Pos++];
                long r = Unary();
                if (op == '/' && r == 0)
                {
                    throw new FormatException("division by zero");
                }
                v = unchecked(op == '*' ? v * r : (long)((ulong)v / (ulong)r));
            }
        }

        /// <summary>unary := '-' unary | '(' sum ')' | number | variable</summary>
        private long Unary()
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw new FormatException($"expression '{text.Trim()}' ends too soon");
            }
            char c = text[Pos];
            if (c == '-')
            {
                Pos++;
                return unchecked(-Unary());
            }
            if (c == '(')
            {
                Pos++;
                long v = Sum();
                SkipSpaces();
                if (AtEnd || text[Pos] != ')')
                {
                    throw new FormatException($"missing ')' in '{text.Trim()}'");
                }
                Pos++;
                return v;
            }
            if (c == '$')
            {
                return Variable();
            }
            if (char.IsAsciiDigit(c))
            {
                return Number();
            }
            if (string.CompareOrdinal(text, Pos, "NULL", 0, 4) == 0 && (Pos + 4 == text.Length || !char.IsAsciiLetterOrDigit(text[Pos + 4])))
            {
                Pos += 4;
                return 0;
            }
            throw new FormatException($"unexpected '{text[Pos..].Trim()}' in expression '{text.Trim()}'");
        }

        private long Variable()
        {
            int start = ++Pos;
            while (Pos < text.Length && (char.IsAsciiLetterOrDigit(text[Pos]) || text[Pos] == '_'))
            {
                Pos++;
            }
            if (Pos == start)
            {
                throw new FormatException("'$' without a variable name");
            }
            string name = text[start..Pos];
            return lookup(name) ?? throw new FormatException($"undefined variable ${name}");
        }

        private long Number()
        {
            int start = Pos;
            bool hex = Pos + 1 < text.Length && text[Pos] == '0' && text[Pos + 1] is 'x' or 'X';
            Pos += hex ? 2 : 0;
            int digits = Pos;
            while (Pos < text.Length && (hex ? char.IsAsciiHexDigit(text[Pos]) : char.IsAsciiDigit(text[Pos])))
            {
                Pos++;
            }
            ReadOnlySpan<char> body = text.AsSpan(digits, Pos - digits);
            if (body.IsEmpty || !ulong.TryParse(body, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
            {
                throw new FormatException($"bad number '{text[start..Pos]}'");
            }
            int shift = 0;
            if (Pos < text.Length && text[Pos] is 'K' or 'M' or 'G')
            {
                shift = text[Pos] switch { 'K' => 10, 'M' => 20, _ => 30 };
                Pos++;
                if (Pos + 1 < text.Length && text[Pos] == 'i' && text[Pos + 1] == 'B')
                {
                    Pos += 2;
                }
            }
            if (Pos < text.Length && (char.IsAsciiLetterOrDigit(text[Pos]) || text[Pos] == '_'))
            {
                throw new FormatException($"bad number '{text[start..(Pos + 1)]}'");
            }
            return unchecked((long)(v << shift));
        }
    }
}
