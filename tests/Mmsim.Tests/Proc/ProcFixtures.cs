namespace Mmsim.Tests.Proc;

/// <summary>Finds the real-kernel recordings under tests/fixtures and tests/fixtures-machine.</summary>
internal static class ProcFixtures
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "tests", "fixtures-machine")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("tests/fixtures-machine"), "tests");
    });

    /// <summary>A file under tests/fixtures-machine.</summary>
    public static string Machine(string name) => Path.Combine(s_root.Value, "fixtures-machine", name);

    /// <summary>Every recorded file of one kind (smaps, status) under tests/fixtures/*/KIND/.</summary>
    public static string[] All(string kind, string ext)
    {
        var files = new List<string>();
        foreach (string d in Directory.GetDirectories(Path.Combine(s_root.Value, "fixtures")))
        {
            string sub = Path.Combine(d, kind);
            if (Directory.Exists(sub))
            {
                files.AddRange(Directory.GetFiles(sub, "*." + ext));
            }
        }
        files.Sort(StringComparer.Ordinal);
        return [.. files];
    }
}
