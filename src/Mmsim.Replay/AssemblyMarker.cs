namespace Mmsim.Replay;

/// <summary>Marker type of the Mmsim.Replay assembly.</summary>
internal static class AssemblyMarker
{
}
