namespace Mmsim.Scenario.Statements;

/// <summary>
/// The operands of a plain statement: words separated by blanks, where blanks inside an
/// expression are allowed around an operator or within parentheses (<c>write $a + 4096 2*4K</c>
/// has the operands <c>$a + 4096</c> and <c>2*4K</c>).
/// </summary>
internal static class Operands
{
    public static List<string> Split(StatementSource source, string text)
    {
        List<string> words = StatementSource.SplitWords(text, source, source.Line);
        var ops = new List<string>();
        foreach (string w in words)
        {
            if (ops.Count > 0 && Joins(ops[^1], w))
            {
                ops[^1] += " " + w;
            }
            else
            {
                ops.Add(w);
            }
        }
        return ops;
    }

    private static bool Joins(string left, string right)
    {
        int depth = 0;
        foreach (char c in left)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        }
        return depth > 0 || left[^1] is '+' or '-' or '*' or '/' || right[0] is '+' or '*' or '/' or ')' || right == "-" || (right[0] == '-' && right.Length > 1 && right[1] == ' ');
    }
}
