using Mmsim.Replay;

namespace Mmsim.Scenario.Tests;

/// <summary>The host's files, read-only (the ELF programs the scenarios exec), with made-up device numbers.</summary>
internal sealed class TestHost : IHostFiles
{
    public static readonly TestHost Instance = new();

    public HostFile? Stat(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }
        string real = info.LinkTarget is null ? path : info.ResolveLinkTarget(true)!.FullName;
        return new HostFile(real, 8, 1, (ulong)(uint)real.GetHashCode(StringComparison.Ordinal), (ulong)new FileInfo(real).Length, false, false);
    }

    public byte[]? ReadAll(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
}

/// <summary>Runs scenario text and gives back its output (on a 1 GiB machine: these tests look at no frame numbers
/// and need not allocate the reference machine's 24 GiB of frame descriptors each).</summary>
internal static class Scn
{
    private static readonly Mmsim.Phys.PhysMemConfig s_ram = Mmsim.Phys.PhysMemConfig.OfSize(1UL << 30);

    public static (ScenarioRun Run, string Output) Run(string text, ScenarioSyntax? syntax = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        ScenarioRun run = ScenarioRun.Execute(text, "t.scn", TestHost.Instance, sw, syntax, s_ram);
        return (run, sw.ToString());
    }

    public static ScenarioException Fails(string text)
    {
        var sw = new StringWriter();
        return Assert.Throws<ScenarioException>(() => ScenarioRun.Execute(text, "t.scn", TestHost.Instance, sw, null, s_ram));
    }
}
