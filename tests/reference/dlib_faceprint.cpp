// The reference faceprints: dlib itself (Debian's libdlib-dev), computing the descriptor of
// 150×150 face chips given as raw RGB bytes, one per file. tests/faceprint.rs compiles and runs it.
//
//   dlib_faceprint dlib_face_recognition_resnet_model_v1.dat chip.rgb...
// prints one line per chip: 128 numbers.
//
// The network is dlib's own definition, from examples/dnn_face_recognition_ex.cpp.
#include <dlib/dnn.h>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

using namespace dlib;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: dlib_faceprint MODEL.dat CHIP.rgb...\n";
        return 2;
    }
    anet_type net;
    deserialize(argv[1]) >> net;
    for (int i = 2; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        std::vector<unsigned char> bytes(150 * 150 * 3);
        if (!in.read(reinterpret_cast<char*>(bytes.data()), bytes.size())) {
            std::cerr << argv[i] << ": not a 150x150 RGB chip\n";
            return 1;
        }
        matrix<rgb_pixel> chip(150, 150);
        for (long r = 0; r < 150; ++r)
            for (long c = 0; c < 150; ++c) {
                const unsigned char* p = &bytes[(r * 150 + c) * 3];
                chip(r, c) = rgb_pixel(p[0], p[1], p[2]);
            }
        matrix<float, 0, 1> d = net(chip);
        for (long j = 0; j < d.size(); ++j) std::printf(j ? " %.7g" : "%.7g", d(j));
        std::printf("\n");
    }
    return 0;
}
