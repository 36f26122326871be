using System.Diagnostics;
using System.Security.Cryptography;

namespace Mmsim.Cli;

/// <summary>
/// The small C programs mmsim runs beside the model (the paging benchmark's kernel side, the
/// difftest runner): embedded as sources, built once with <c>cc -O2</c> into the user's cache
/// (<c>$XDG_CACHE_HOME/mmsim</c> or <c>~/.cache/mmsim</c>), one binary per source hash.
/// </summary>
internal static class NativeBuild
{
    /// <summary>
    /// The binary of the embedded source <paramref name="resource"/>, built now unless the cache
    /// has it; null with the reason (no source, no compiler, the compiler's first error line).
    /// </summary>
    public static string? Ensure(string resource, string name, out string? why) => Ensure(resource, name, [], out why);

    /// <summary>
    /// <see cref="Ensure(string, string, out string?)"/> with more compiler options after -O2
    /// (<c>-shared -fPIC</c> for a library to load).
    /// </summary>
    public static string? Ensure(string resource, string name, string[] ccOptions, out string? why)
    {
        why = null;
        using Stream? s = typeof(NativeBuild).Assembly.GetManifestResourceStream(resource);
        if (s is null)
        {
            why = $"the source of {name} is not in this build";
            return null;
        }
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        byte[] source = ms.ToArray();
        string hash = Convert.ToHexStringLower(SHA256.HashData(source))[..16];
        string dir = Path.Combine(CacheRoot(), "mmsim");
        string binary = Path.Combine(dir, $"{name}-{hash}");
        if (File.Exists(binary))
        {
            return binary;
        }
        Directory.CreateDirectory(dir);
        // Both files are this process's own until the rename: builds running at once do not meet.
        string src = binary + $".{Environment.ProcessId}.c";
        string tmp = binary + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(src, source);
        var psi = new ProcessStartInfo("cc") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["-O2", .. ccOptions, "-o", tmp, src])
        {
            psi.ArgumentList.Add(a);
        }
        string output;
        int status;
        try
        {
            using System.Diagnostics.Process p = System.Diagnostics.Process.Start(psi)!;
            System.Threading.Tasks.Task<string> err = p.StandardError.ReadToEndAsync();
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            output += err.Result;
            status = p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            File.Delete(src);
            why = "no C compiler (cc) on this machine: install gcc";
            return null;
        }
        File.Delete(src);
        if (status != 0)
        {
            File.Delete(tmp);
            string t = output.Trim();
            int nl = t.IndexOf('\n', StringComparison.Ordinal);
            why = $"cc failed on {name}: " + (nl < 0 ? t : t[..nl]);
            return null;
        }
        File.Move(tmp, binary, overwrite: true);
        return binary;
    }

    /// <summary>$XDG_CACHE_HOME, else ~/.cache, else the temporary directory.</summary>
    private static string CacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg))
        {
            return xdg;
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache");
    }
}
