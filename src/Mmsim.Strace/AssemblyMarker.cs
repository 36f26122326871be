namespace Mmsim.Strace;

/// <summary>Marker type of the Mmsim.Strace assembly.</summary>
internal static class AssemblyMarker
{
}
