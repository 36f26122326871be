using System.Text;

namespace Mmsim.Proc;

/// <summary>/proc/vmstat as vmstat_show() prints it: "name value" per item, values as unsigned long.</summary>
public static class ProcVmstat
{
    /// <summary>The item names in kernel order.</summary>
    public static IReadOnlyList<string> Names => VmStatNames.All;

    /// <summary>The whole file.</summary>
    public static string Format(VmStat stat)
    {
        var sb = new StringBuilder(VmStatNames.All.Length * 32);
        ReadOnlySpan<long> v = stat.Values;
        for (int i = 0; i < v.Length; i++)
        {
            sb.Append(VmStatNames.All[i]).Append(' ').Append((ulong)v[i]).Append('\n');
        }
        return sb.ToString();
    }
}
