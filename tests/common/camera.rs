//! What a browser's fake camera does to a frame: the clip is written as Y4M, 4:2:0 (`make_clip`), and
//! the browser turns it back into RGB. Faces come out a little softer in colour; a native run that
//! goes through the same round trip (`UNSEEN_CAMERA=yuv` in `examples/leak_scenes.rs`) sees what
//! the page sees.

use super::Img;

/// `img` as Y, U and V planes, 4:2:0 (BT.601, limited range, as Chromium reads it).
pub fn to_yuv420(img: &Img) -> Vec<u8> {
    let (w, h) = (img.width as usize, img.height as usize);
    let mut y_plane = vec![0u8; w * h];
    let mut u_plane = vec![0u8; (w / 2) * (h / 2)];
    let mut v_plane = vec![0u8; (w / 2) * (h / 2)];
    let rgb = |x: usize, y: usize| {
        let p = img.px(x as u32, y as u32);
        (p[0] as f32, p[1] as f32, p[2] as f32)
    };
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = rgb(x, y);
            y_plane[y * w + x] = (16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
    for y in 0..h / 2 {
        for x in 0..w / 2 {
            let mut sum = (0.0, 0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (r, g, b) = rgb(2 * x + dx, 2 * y + dy);
                sum = (sum.0 + r / 4.0, sum.1 + g / 4.0, sum.2 + b / 4.0);
            }
            let (r, g, b) = sum;
            u_plane[y * (w / 2) + x] = (128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0)
                .round()
                .clamp(0.0, 255.0) as u8;
            v_plane[y * (w / 2) + x] = (128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
    [y_plane, u_plane, v_plane].concat()
}

/// `img` as the browser gets it back from [`to_yuv420`]: BT.601 limited range, each chroma sample
/// shared by its 2 × 2 pixels.
pub fn through_yuv420(img: &Img) -> Img {
    let (w, h) = (img.width as usize, img.height as usize);
    let yuv = to_yuv420(img);
    let (y_plane, rest) = yuv.split_at(w * h);
    let (u_plane, v_plane) = rest.split_at((w / 2) * (h / 2));
    let mut rgba = img.rgba.clone();
    for y in 0..h {
        for x in 0..w {
            let c = (y / 2).min(h / 2 - 1) * (w / 2) + (x / 2).min(w / 2 - 1);
            let l = 1.164 * (y_plane[y * w + x] as f32 - 16.0);
            let (u, v) = (u_plane[c] as f32 - 128.0, v_plane[c] as f32 - 128.0);
            let px = &mut rgba[4 * (y * w + x)..4 * (y * w + x) + 3];
            px[0] = (l + 1.596 * v).round().clamp(0.0, 255.0) as u8;
            px[1] = (l - 0.392 * u - 0.813 * v).round().clamp(0.0, 255.0) as u8;
            px[2] = (l + 2.017 * u).round().clamp(0.0, 255.0) as u8;
        }
    }
    Img {
        rgba,
        width: img.width,
        height: img.height,
    }
}
