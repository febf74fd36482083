//! Geometry as types: rectangles in image pixels, points, and the letterbox that maps an image of any
//! aspect ratio into a square model input and back. Most face-detector bugs live here, so it is tested
//! with round trips.

/// A point in pixels (or in normalised units, where a function says so).
/// [`Rect::reaching_edges`] takes a box as near an edge within one box size of it, but never from
/// further than this share of the frame's width (across) or height (down).
pub const NEAR_EDGE_SHARE: f32 = 0.15;

/// How fast a face may cross the frame, in its own box sizes a second, for [`Rect::ways_in`]: 6, a
/// face 100 pixels wide crossing a 640-pixel frame in about a second (the leak clip's face entering
/// at the right edge moves about 4 box sizes a second).
pub const FACE_SPEED: f32 = 6.0;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// An axis-aligned rectangle: top-left corner, width and height.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn new(x: f32, y: f32, w: f32, h: f32) -> Self {
        Rect { x, y, w, h }
    }

    /// A rectangle from its centre and size.
    pub fn from_center(cx: f32, cy: f32, w: f32, h: f32) -> Self {
        Rect {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        }
    }

    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    /// Area, zero for degenerate or inverted rectangles.
    pub fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    /// Area of the overlap of two rectangles.
    pub fn intersection(&self, other: &Rect) -> f32 {
        let w = self.right().min(other.right()) - self.x.max(other.x);
        let h = self.bottom().min(other.bottom()) - self.y.max(other.y);
        w.max(0.0) * h.max(0.0)
    }

    /// Intersection over union, 0 when either rectangle is empty.
    pub fn iou(&self, other: &Rect) -> f32 {
        let inter = self.intersection(other);
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }

    /// The same centre, each side multiplied by `factor` (the "mask scale").
    pub fn scaled(&self, factor: f32) -> Rect {
        let c = self.center();
        Rect::from_center(c.x, c.y, self.w * factor, self.h * factor)
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect::new(
            x,
            y,
            self.right().max(other.right()) - x,
            self.bottom().max(other.bottom()) - y,
        )
    }

    /// Where a face cut by the frame's edge may go on past it: on each side of a `width`×`height`
    /// frame that the box reaches within `margin` of its size, it is stretched to one box size beyond
    /// that edge. A box clear of every edge is returned as it is.
    pub fn past_edges(&self, width: u32, height: u32, margin: f32) -> Rect {
        self.past_edges_within(width, height, (margin * self.w, margin * self.h))
    }

    /// Where a face now at this box may have been a moment ago if it came in from the frame's edge,
    /// or may be now if it went back out: on each side of a `width`×`height` frame that lies within
    /// one box size of the box, but no more than [`NEAR_EDGE_SHARE`] of the frame, the box is
    /// stretched to one box size beyond that edge. A box far from every edge is returned as it is.
    /// The cap keeps a face as large as half the frame from reaching every edge at once.
    pub fn reaching_edges(&self, width: u32, height: u32) -> Rect {
        let near = (
            self.w.min(NEAR_EDGE_SHARE * width as f32),
            self.h.min(NEAR_EDGE_SHARE * height as f32),
        );
        self.past_edges_within(width, height, near)
    }

    /// Where a face first found at this box `seconds` after a frame was taken may have been in that
    /// frame, had it come in from the frame's edge meanwhile: [`Rect::reaching_edges`], and a band
    /// from the box out past each edge it could have reached in that time at [`FACE_SPEED`] box
    /// sizes a second, however far (a slow device looks seldom; which edge it came from is not
    /// known). Bands, not their bounding box: the corners between them stay in view.
    pub fn ways_in(&self, width: u32, height: u32, seconds: f32) -> impl Iterator<Item = Rect> {
        let (w, h) = (width as f32, height as f32);
        let reach = FACE_SPEED * seconds.max(0.0);
        let (across, down) = (reach * self.w, reach * self.h);
        let r = *self;
        let bands = [
            (r.x <= across).then(|| r.union(&Rect::new(-r.w, r.y, r.w, r.h))),
            (w - r.right() <= across).then(|| r.union(&Rect::new(w, r.y, r.w, r.h))),
            (r.y <= down).then(|| r.union(&Rect::new(r.x, -r.h, r.w, r.h))),
            (h - r.bottom() <= down).then(|| r.union(&Rect::new(r.x, h, r.w, r.h))),
        ];
        std::iter::once(self.reaching_edges(width, height)).chain(bands.into_iter().flatten())
    }

    /// [`Rect::past_edges`] with the margins in pixels, across (`mx`) and down (`my`).
    fn past_edges_within(&self, width: u32, height: u32, (mx, my): (f32, f32)) -> Rect {
        let (width, height) = (width as f32, height as f32);
        let mut r = *self;
        if self.x < mx {
            r = r.union(&Rect::new(-self.w, self.y, self.w, self.h));
        }
        if self.right() > width - mx {
            r = r.union(&Rect::new(width, self.y, self.w, self.h));
        }
        if self.y < my {
            r = r.union(&Rect::new(r.x, -self.h, r.w, self.h));
        }
        if self.bottom() > height - my {
            r = r.union(&Rect::new(r.x, height, r.w, self.h));
        }
        r
    }

    /// True when every coordinate is a finite number.
    pub fn is_finite(&self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.w.is_finite() && self.h.is_finite()
    }

    /// The whole pixels this rectangle touches inside a `width`×`height` frame, as
    /// `(x0, y0, x1, y1)` with x1/y1 exclusive; `None` when nothing is inside the frame.
    pub fn pixel_span(&self, width: u32, height: u32) -> Option<PixelSpan> {
        if !self.is_finite() || self.w <= 0.0 || self.h <= 0.0 {
            return None;
        }
        let x0 = self.x.floor().max(0.0);
        let y0 = self.y.floor().max(0.0);
        let x1 = self.right().ceil().min(width as f32);
        let y1 = self.bottom().ceil().min(height as f32);
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
        Some(PixelSpan {
            x0: x0 as u32,
            y0: y0 as u32,
            x1: x1 as u32,
            y1: y1 as u32,
        })
    }
}

/// Whole pixels `x0..x1` × `y0..y1` (end exclusive), always inside the frame it was clipped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelSpan {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl PixelSpan {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }
}

/// How an image is fitted into a square model input: scaled to fit with its aspect ratio kept, then
/// centred with padding on the short side.
///
/// Model coordinates are normalised to `0..1` over the square input, as BlazeFace reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    /// Model-input pixels per image pixel.
    pub scale: f32,
    /// Padding on the left, in model-input pixels.
    pub pad_x: f32,
    /// Padding on the top, in model-input pixels.
    pub pad_y: f32,
    /// Side of the square model input, in pixels.
    pub size: f32,
}

impl Letterbox {
    /// Fit a `width`×`height` image into a `size`×`size` input.
    pub fn fit(width: u32, height: u32, size: u32) -> Self {
        let size = size as f32;
        let longest = width.max(height).max(1) as f32;
        let scale = size / longest;
        let pad_x = (size - width as f32 * scale) / 2.0;
        let pad_y = (size - height as f32 * scale) / 2.0;
        Letterbox {
            scale,
            pad_x,
            pad_y,
            size,
        }
    }

    /// Normalised model coordinates to image pixels.
    pub fn to_image(&self, p: Point) -> Point {
        Point {
            x: (p.x * self.size - self.pad_x) / self.scale,
            y: (p.y * self.size - self.pad_y) / self.scale,
        }
    }

    /// Image pixels to normalised model coordinates.
    pub fn to_model(&self, p: Point) -> Point {
        Point {
            x: (p.x * self.scale + self.pad_x) / self.size,
            y: (p.y * self.scale + self.pad_y) / self.size,
        }
    }

    /// A rectangle in normalised model coordinates to image pixels.
    pub fn rect_to_image(&self, r: Rect) -> Rect {
        let tl = self.to_image(Point { x: r.x, y: r.y });
        Rect {
            x: tl.x,
            y: tl.y,
            w: r.w * self.size / self.scale,
            h: r.h * self.size / self.scale,
        }
    }
}

#[cfg(test)]
mod tests {
    fn left_of_margin() -> super::Rect {
        super::Rect::new(11.0, 190.0, 100.0, 100.0)
    }

    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn union_holds_both() {
        let a = Rect::new(0.0, 10.0, 20.0, 5.0);
        let b = Rect::new(15.0, -5.0, 10.0, 10.0);
        assert_eq!(a.union(&b), Rect::new(0.0, -5.0, 25.0, 20.0));
        assert_eq!(a.union(&a), a);
    }

    #[test]
    fn a_box_reaches_past_the_edges_it_is_near_and_only_those() {
        // 640×480; a 100-pixel face.
        let middle = Rect::new(270.0, 190.0, 100.0, 100.0);
        assert_eq!(middle.reaching_edges(640, 480), middle);
        // Cut by the right edge: stretched past it; clear of the edges by more than the margin: not.
        let cut = Rect::new(590.0, 190.0, 100.0, 100.0);
        assert_eq!(
            cut.past_edges(640, 480, 0.1),
            Rect::new(590.0, 190.0, 150.0, 100.0)
        );
        assert_eq!(left_of_margin().past_edges(640, 480, 0.1), left_of_margin());
        // 40 % of it past the right edge: stretched to a box size beyond that edge, nowhere else.
        let right = Rect::new(580.0, 190.0, 100.0, 100.0);
        assert_eq!(
            right.reaching_edges(640, 480),
            Rect::new(580.0, 190.0, 160.0, 100.0)
        );
        // Near the left edge, fully inside.
        let left = Rect::new(50.0, 190.0, 100.0, 100.0);
        assert_eq!(
            left.reaching_edges(640, 480),
            Rect::new(-100.0, 190.0, 250.0, 100.0)
        );
        // In the top-left corner: both ways, the corner included.
        let corner = Rect::new(10.0, 20.0, 100.0, 100.0);
        assert_eq!(
            corner.reaching_edges(640, 480),
            Rect::new(-100.0, -100.0, 210.0, 220.0)
        );
        // Near the bottom.
        let bottom = Rect::new(270.0, 400.0, 100.0, 100.0);
        assert_eq!(
            bottom.reaching_edges(640, 480),
            Rect::new(270.0, 400.0, 100.0, 180.0)
        );
        // A box as large as half the frame reaches only the edges within 15 % of the frame (here the
        // top and the bottom, not the left 125 px away).
        let large = Rect::new(125.0, 49.0, 336.0, 404.0);
        assert_eq!(
            large.reaching_edges(640, 480),
            Rect::new(125.0, -404.0, 336.0, 1288.0)
        );
        // Wherever the face was a moment ago while entering, the stretched box holds it.
        for shift in [0.0, 30.0, 60.0, 100.0] {
            let earlier = Rect {
                x: right.x + shift,
                ..right
            };
            let visible = Rect::new(earlier.x, earlier.y, 640.0 - earlier.x, earlier.h);
            let r = right.reaching_edges(640, 480);
            assert!(r.x <= visible.x && r.right() >= visible.right(), "{shift}");
        }
        // Found 130 px in from the right edge, more than a box size: within a frame's time (33 ms)
        // it reaches no edge, as before; 250 ms earlier (a page processing 4 frames a second) it
        // could have come in from the right (6 box sizes a second × 0.25 s = 150 px), not from the
        // left, the top or the bottom, 410 and 190 px away; 400 ms earlier (240 px) from the top
        // and the bottom too: a band to each, not the corners between.
        let inside = Rect::new(410.0, 190.0, 100.0, 100.0);
        let ways = |r: Rect, s: f32| r.ways_in(640, 480, s).collect::<Vec<_>>();
        assert_eq!(ways(inside, 0.033), [inside]);
        assert_eq!(
            ways(inside, 0.25),
            [inside, Rect::new(410.0, 190.0, 330.0, 100.0)]
        );
        assert_eq!(
            ways(inside, 0.4),
            [
                inside,
                Rect::new(410.0, 190.0, 330.0, 100.0),
                Rect::new(410.0, -100.0, 100.0, 390.0),
                Rect::new(410.0, 190.0, 100.0, 390.0),
            ]
        );
        // Never less than `reaching_edges`, whatever the time (a negative one counts as none).
        for seconds in [-1.0, 0.0, 0.1] {
            assert_eq!(ways(right, seconds)[0], right.reaching_edges(640, 480));
        }
    }

    #[test]
    fn letterbox_pads_the_short_side_only() {
        let lb = Letterbox::fit(640, 480, 128);
        assert!(close(lb.scale, 0.2));
        assert!(close(lb.pad_x, 0.0));
        assert!(close(lb.pad_y, (128.0 - 96.0) / 2.0));
        let tall = Letterbox::fit(480, 640, 128);
        assert!(close(tall.pad_y, 0.0));
        assert!(close(tall.pad_x, 16.0));
    }

    #[test]
    fn letterbox_round_trips_points() {
        for (w, h) in [(640, 480), (480, 640), (1, 1000), (3000, 2000), (128, 128)] {
            let lb = Letterbox::fit(w, h, 256);
            for p in [
                Point { x: 0.0, y: 0.0 },
                Point {
                    x: w as f32,
                    y: h as f32,
                },
                Point { x: 17.5, y: 3.25 },
            ] {
                let back = lb.to_image(lb.to_model(p));
                assert!(
                    close(back.x, p.x) && close(back.y, p.y),
                    "{w}x{h}: {p:?} -> {back:?}"
                );
            }
        }
    }

    #[test]
    fn letterbox_maps_image_corners_to_the_content_area() {
        let lb = Letterbox::fit(640, 480, 128);
        let tl = lb.to_model(Point { x: 0.0, y: 0.0 });
        let br = lb.to_model(Point { x: 640.0, y: 480.0 });
        assert!(close(tl.x, 0.0) && close(tl.y, 16.0 / 128.0));
        assert!(close(br.x, 1.0) && close(br.y, 112.0 / 128.0));
    }

    #[test]
    fn rect_to_image_matches_point_mapping() {
        let lb = Letterbox::fit(1000, 500, 128);
        let r = Rect::new(0.25, 0.4, 0.1, 0.2);
        let img = lb.rect_to_image(r);
        let br = lb.to_image(Point {
            x: r.right(),
            y: r.bottom(),
        });
        assert!(close(img.right(), br.x) && close(img.bottom(), br.y));
    }

    #[test]
    fn iou_of_known_boxes() {
        let a = Rect::new(0.0, 0.0, 10.0, 10.0);
        let b = Rect::new(5.0, 0.0, 10.0, 10.0);
        assert!(close(a.iou(&b), 50.0 / 150.0));
        assert!(close(a.iou(&a), 1.0));
        assert_eq!(a.iou(&Rect::new(20.0, 20.0, 1.0, 1.0)), 0.0);
        assert_eq!(Rect::default().iou(&Rect::default()), 0.0);
    }

    #[test]
    fn pixel_span_clips_to_frame_and_rejects_outside_or_nan() {
        let r = Rect::new(-5.0, 90.0, 20.0, 20.0);
        assert_eq!(
            r.pixel_span(100, 100),
            Some(PixelSpan {
                x0: 0,
                y0: 90,
                x1: 15,
                y1: 100
            })
        );
        assert_eq!(Rect::new(200.0, 0.0, 5.0, 5.0).pixel_span(100, 100), None);
        assert_eq!(
            Rect::new(f32::NAN, 0.0, 5.0, 5.0).pixel_span(100, 100),
            None
        );
        assert_eq!(Rect::new(0.0, 0.0, -5.0, 5.0).pixel_span(100, 100), None);
    }

    #[test]
    fn scaled_keeps_the_centre() {
        let r = Rect::new(10.0, 20.0, 30.0, 40.0).scaled(1.5);
        assert!(close(r.center().x, 25.0) && close(r.center().y, 40.0));
        assert!(close(r.w, 45.0) && close(r.h, 60.0));
    }
}
