/**
 * Scoring an identification run: what `rollcall evaluate` reports. Pure, so the figures mean the
 * same thing wherever they are computed.
 */

/** What the system said about one probe photo. */
export interface ProbeOutcome {
  file: string;
  /** The folder the photo came from: who it really shows. */
  identity: string;
  /** Whether that identity was in the enrollment set. */
  enrolled: boolean;
  /** Whether any face was found in the photo. */
  faceFound: boolean;
  /** The name given, or null when the face was left unknown (or uncertain, or none was found). */
  named: string | null;
  /** Distance to the nearest enrolled person, when there was one. */
  distance: number | null;
  decision: 'match' | 'uncertain' | 'unknown' | 'no_face';
}

export interface EvaluationSummary {
  probes: number;
  enrolledProbes: number;
  strangerProbes: number;
  /** Probes of enrolled identities named correctly, over those probes; a faceless photo is a miss. */
  rank1Accuracy: number | null;
  /** Probes given a wrong name, over all probes. */
  falseAcceptRate: number | null;
  /** Probes of identities absent from the enrollment set left unknown, over those probes. */
  unknownRejectRate: number | null;
  correct: number;
  /** Probes given a wrong name, strangers included. */
  wrongNames: number;
  /** Probes of enrolled identities given someone else's name. */
  enrolledNamedWrong: number;
  /** Probes of identities absent from the enrollment set given any name. */
  strangersNamed: number;
  missed: number;
  uncertain: number;
  facelessProbes: number;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

export function summarizeProbes(outcomes: readonly ProbeOutcome[]): EvaluationSummary {
  const enrolled = outcomes.filter((o) => o.enrolled);
  const strangers = outcomes.filter((o) => !o.enrolled);
  const correct = enrolled.filter((o) => o.named === o.identity).length;
  const wrongNames = outcomes.filter((o) => o.named !== null && o.named !== o.identity).length;
  const strangersLeftUnknown = strangers.filter((o) => o.named === null).length;
  return {
    probes: outcomes.length,
    enrolledProbes: enrolled.length,
    strangerProbes: strangers.length,
    rank1Accuracy: ratio(correct, enrolled.length),
    falseAcceptRate: ratio(wrongNames, outcomes.length),
    unknownRejectRate: ratio(strangersLeftUnknown, strangers.length),
    correct,
    wrongNames,
    enrolledNamedWrong: enrolled.filter((o) => o.named !== null && o.named !== o.identity).length,
    strangersNamed: strangers.length - strangersLeftUnknown,
    missed: enrolled.filter((o) => o.named === null).length,
    uncertain: outcomes.filter((o) => o.decision === 'uncertain').length,
    facelessProbes: outcomes.filter((o) => !o.faceFound).length,
  };
}
