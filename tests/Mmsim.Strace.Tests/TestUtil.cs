namespace Mmsim.Strace.Tests;

/// <summary>Helpers shared by the reader tests.</summary>
internal static class TestUtil
{
    private static readonly Lazy<string> s_fixtures = new(FindFixtures);

    /// <summary>The repository's tests/fixtures folder, found by walking up from the test binaries.</summary>
    internal static string FixturesDir => s_fixtures.Value;

    /// <summary>All fixture logs (tests/fixtures/*/trace.log), sorted.</summary>
    internal static string[] FixtureLogs()
    {
        var logs = new List<string>();
        foreach (string dir in Directory.GetDirectories(FixturesDir))
        {
            string log = Path.Combine(dir, "trace.log");
            if (File.Exists(log))
            {
                logs.Add(log);
            }
        }
        logs.Sort(StringComparer.Ordinal);
        return [.. logs];
    }

    /// <summary>Reads every event of <paramref name="text"/>.</summary>
    internal static List<StraceEvent> ReadAll(string text, string fileName = "t.log")
    {
        var reader = new StraceReader(new StringReader(text), fileName);
        var events = new List<StraceEvent>();
        while (reader.TryRead(out StraceEvent ev))
        {
            events.Add(ev);
        }
        return events;
    }

    /// <summary>Reads a log that must produce exactly one event and returns it.</summary>
    internal static StraceEvent One(string text)
    {
        List<StraceEvent> events = ReadAll(text);
        Assert.Single(events);
        return events[0];
    }

    /// <summary>The args of a single call line.</summary>
    internal static ArgList Args(string argsText)
    {
        return new ArgList(argsText);
    }

    /// <summary>Reads <paramref name="text"/> expecting a format error; returns it.</summary>
    internal static StraceFormatException Bad(string text, string fileName = "trace.log")
    {
        return Assert.Throws<StraceFormatException>(() => ReadAll(text, fileName));
    }

    /// <summary>Walks up from the test binaries to the folder that holds tests/fixtures.</summary>
    private static string FindFixtures()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            string candidate = Path.Combine(dir, "tests", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
            dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar));
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
