namespace Mmsim.Strace.Tests;

/// <summary>Randomly damaged real logs fail only with <see cref="StraceFormatException"/>, and never hang.</summary>
public sealed class MutationTests
{
    private const string Junk = "()[]{}\"\\<>/*,=|.-+? \t\0\u0001\u00ff\uFFFD0123456789xX…abcEN_";

    [Fact]
    public void TwoThousandMutationsOfAFixtureThrowOnlyFormatErrors()
    {
        string original = File.ReadAllText(Path.Combine(TestUtil.FixturesDir, "real_sh_pipe", "trace.log"));
        var random = new Random(1);
        int failures = 0;
        for (int round = 0; round < 2000; round++)
        {
            string mutated = Mutate(original, random);
            try
            {
                Exercise(mutated);
            }
            catch (StraceFormatException e)
            {
                Assert.Matches(@"^mutated\.log:\d+: [^\n]+$", e.Message);
                failures++;
            }
        }
        Assert.InRange(failures, 200, 2000);
    }

    /// <summary>Reads every event and pokes every accessor of its arguments.</summary>
    private static void Exercise(string text)
    {
        var reader = new StraceReader(new StringReader(text), "mutated.log");
        var ints = new List<long>();
        while (reader.TryRead(out StraceEvent ev))
        {
            ArgList a = ev.GetArgs();
            for (int i = 0; i <= a.Count; i++)
            {
                a.TryGetInt64(i, out _);
                a.TryGetFlags(i, FlagTables.Map, out _);
                a.TryGetString(i, out _, out _);
                a.TryGetFdPath(i, out _);
                a.TryGetStructField(i, "st_ino", out _);
                a.TryGetExitValue(i, out _);
                a.TryGetIntArray(i, ints, out _);
                ArgList.TryParseMakedev(a.Raw(i), out _, out _);
                a.NameAt(i);
            }
            ArgList.TryParseFdPath(ev.ResultText.Span, out _);
            _ = ev.ToString();
        }
    }

    /// <summary>Applies one to three random edits: insert, delete, replace, duplicate a line, or cut the text.</summary>
    private static string Mutate(string text, Random random)
    {
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(text.Length);
            int len = 1 + random.Next(8);
            text = random.Next(6) switch
            {
                0 => text.Insert(at, RandomText(random, len)),
                1 => text.Remove(at, Math.Min(len, text.Length - at)),
                2 => text.Remove(at, 1).Insert(at, RandomText(random, 1)),
                3 => DuplicateLine(text, at),
                4 => text[..at],
                _ => text.Insert(at, "\n"),
            };
            if (text.Length == 0)
            {
                break;
            }
        }
        return text;
    }

    /// <summary>A few characters drawn from strace's syntax and some junk.</summary>
    private static string RandomText(Random random, int length)
    {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = Junk[random.Next(Junk.Length)];
        }
        return new string(chars);
    }

    /// <summary>Inserts a copy of the line containing <paramref name="at"/> after it.</summary>
    private static string DuplicateLine(string text, int at)
    {
        int start = text.LastIndexOf('\n', Math.Max(at - 1, 0)) + 1;
        int end = text.IndexOf('\n', at);
        end = end < 0 ? text.Length : end + 1;
        return text.Insert(end, text[start..end]);
    }
}
