//! MediaPipe's weighted non-maximum suppression (`non_max_suppression_calculator.cc`,
//! `WeightedNonMaxSuppression`, used by every MediaPipe face-detection graph with
//! `min_suppression_threshold: 0.3`, `overlap_type: INTERSECTION_OVER_UNION`).
//!
//! Candidates are taken in order of falling score. The best one left starts a cluster; every remaining
//! candidate whose IoU with it is above the threshold joins. The cluster becomes one face whose box and
//! keypoints are the score-weighted mean of its members and whose score is the best member's.

use super::blazeface::{Candidate, NUM_KEYPOINTS};
use crate::geometry::Rect;

/// MediaPipe's `min_suppression_threshold` for face detection.
pub const DEFAULT_OVERLAP: f32 = 0.3;

/// Merge overlapping candidates; the result is sorted by falling score.
pub fn weighted_nms(mut candidates: Vec<Candidate>, overlap: f32) -> Vec<Candidate> {
    candidates.retain(|c| {
        c.score.is_finite()
            && c.rect.is_finite()
            && c.keypoints
                .iter()
                .all(|k| k.x.is_finite() && k.y.is_finite())
    });
    // Stable sort keeps the anchor order among equal scores, as MediaPipe's does.
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    let mut remaining = candidates.into_iter();
    // Each turn takes the best candidate out, so the loop ends whatever the numbers.
    while let Some(top) = remaining.next() {
        // A candidate with an empty box overlaps nothing, itself included: it stands alone.
        if top.rect.iou(&top.rect) <= overlap {
            out.push(top);
            continue;
        }
        let (mut cluster, rest): (Vec<Candidate>, Vec<Candidate>) =
            remaining.partition(|c| top.rect.iou(&c.rect) > overlap);
        remaining = rest.into_iter();
        cluster.insert(0, top);
        out.push(weighted_mean(&cluster, top.score));
    }
    out
}

fn weighted_mean(cluster: &[Candidate], score: f32) -> Candidate {
    let total: f32 = cluster.iter().map(|c| c.score).sum();
    let (mut x0, mut y0, mut x1, mut y1) = (0.0, 0.0, 0.0, 0.0);
    let mut keypoints = [crate::geometry::Point::default(); NUM_KEYPOINTS];
    for c in cluster {
        // Scores can all be 0 (a sigmoid underflows far below any threshold, but a threshold of 0
        // keeps them): then every member weighs the same, rather than 0/0.
        let w = if total > 0.0 {
            c.score / total
        } else {
            1.0 / cluster.len() as f32
        };
        x0 += c.rect.x * w;
        y0 += c.rect.y * w;
        x1 += c.rect.right() * w;
        y1 += c.rect.bottom() * w;
        for (k, kp) in keypoints.iter_mut().enumerate() {
            kp.x += c.keypoints[k].x * w;
            kp.y += c.keypoints[k].y * w;
        }
    }
    Candidate {
        rect: Rect::new(x0, y0, x1 - x0, y1 - y0),
        keypoints,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Point;

    fn cand(x: f32, y: f32, size: f32, score: f32) -> Candidate {
        Candidate {
            rect: Rect::new(x, y, size, size),
            keypoints: [Point { x, y }; NUM_KEYPOINTS],
            score,
        }
    }

    /// Found by fuzzing (fuzz/regressions/live_args/empty-input-threshold-0): a 1×1 black frame at
    /// threshold 0 kept candidates scoring exactly 0, and their weighted mean was 0/0, a NaN face.
    #[test]
    fn a_cluster_scoring_zero_merges_into_a_finite_box() {
        let out = weighted_nms(
            vec![cand(0.0, 0.0, 10.0, 0.0), cand(2.0, 0.0, 10.0, 0.0)],
            0.3,
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].rect.is_finite());
        assert_eq!(out[0].rect, Rect::new(1.0, 0.0, 10.0, 10.0));
    }

    #[test]
    fn overlapping_boxes_merge_into_a_weighted_mean_with_the_top_score() {
        let out = weighted_nms(
            vec![cand(0.0, 0.0, 10.0, 0.6), cand(2.0, 0.0, 10.0, 0.9)],
            0.3,
        );
        assert_eq!(out.len(), 1);
        let merged = out[0];
        assert_eq!(merged.score, 0.9);
        let expected_x = (0.0 * 0.6 + 2.0 * 0.9) / 1.5;
        assert!((merged.rect.x - expected_x).abs() < 1e-5);
        assert!((merged.rect.w - 10.0).abs() < 1e-5);
        assert!((merged.keypoints[3].x - expected_x).abs() < 1e-5);
    }

    #[test]
    fn separate_faces_stay_separate_and_sorted() {
        let out = weighted_nms(
            vec![cand(0.0, 0.0, 10.0, 0.7), cand(50.0, 0.0, 10.0, 0.95)],
            0.3,
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.95);
        assert_eq!(out[1].score, 0.7);
    }

    #[test]
    fn the_threshold_is_strictly_greater() {
        // IoU of these two is exactly 1/3.
        let a = cand(0.0, 0.0, 10.0, 0.9);
        let b = Candidate {
            rect: Rect::new(5.0, 0.0, 10.0, 10.0),
            ..a
        };
        assert_eq!(weighted_nms(vec![a, b], 1.0 / 3.0).len(), 2);
        assert_eq!(weighted_nms(vec![a, b], 0.3).len(), 1);
    }

    #[test]
    fn chains_do_not_merge_transitively() {
        // b overlaps a and c, but a and c do not overlap: a's cluster takes b, c stays alone.
        let a = cand(0.0, 0.0, 10.0, 0.9);
        let b = cand(4.0, 0.0, 10.0, 0.8);
        let c = cand(9.0, 0.0, 10.0, 0.7);
        assert_eq!(weighted_nms(vec![a, b, c], 0.3).len(), 2);
    }

    #[test]
    fn empty_and_degenerate_input() {
        assert!(weighted_nms(vec![], 0.3).is_empty());
        let empty = Candidate {
            rect: Rect::new(0.0, 0.0, 0.0, 0.0),
            ..cand(0.0, 0.0, 1.0, 0.9)
        };
        assert_eq!(weighted_nms(vec![empty], 0.3).len(), 1);
        let nan = Candidate {
            score: f32::NAN,
            ..cand(0.0, 0.0, 1.0, 0.9)
        };
        assert!(weighted_nms(vec![nan], 0.3).is_empty());
    }
}
