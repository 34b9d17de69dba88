//! Small functions with many quick tests and a few slow ones.

/// Sum of the first `n` integers.
pub fn triangle(n: u64) -> u64 {
    n * (n + 1) / 2
}

/// Waits a little, like a test that touches the disk or the network.
pub fn settle(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triangle_0() {
        assert_eq!(triangle(0), (0..=0u64).sum::<u64>());
    }

    #[test]
    fn triangle_1() {
        assert_eq!(triangle(1), (0..=1u64).sum::<u64>());
    }

    #[test]
    fn triangle_2() {
        assert_eq!(triangle(2), (0..=2u64).sum::<u64>());
    }

    #[test]
    fn triangle_3() {
        assert_eq!(triangle(3), (0..=3u64).sum::<u64>());
    }

    #[test]
    fn triangle_4() {
        assert_eq!(triangle(4), (0..=4u64).sum::<u64>());
    }

    #[test]
    fn triangle_5() {
        assert_eq!(triangle(5), (0..=5u64).sum::<u64>());
    }

    #[test]
    fn triangle_6() {
        assert_eq!(triangle(6), (0..=6u64).sum::<u64>());
    }

    #[test]
    fn triangle_7() {
        assert_eq!(triangle(7), (0..=7u64).sum::<u64>());
    }

    #[test]
    fn triangle_8() {
        assert_eq!(triangle(8), (0..=8u64).sum::<u64>());
    }

    #[test]
    fn triangle_9() {
        assert_eq!(triangle(9), (0..=9u64).sum::<u64>());
    }

    #[test]
    fn triangle_10() {
        assert_eq!(triangle(10), (0..=10u64).sum::<u64>());
    }

    #[test]
    fn triangle_11() {
        assert_eq!(triangle(11), (0..=11u64).sum::<u64>());
    }

    #[test]
    fn triangle_12() {
        assert_eq!(triangle(12), (0..=12u64).sum::<u64>());
    }

    #[test]
    fn triangle_13() {
        assert_eq!(triangle(13), (0..=13u64).sum::<u64>());
    }

    #[test]
    fn triangle_14() {
        assert_eq!(triangle(14), (0..=14u64).sum::<u64>());
    }

    #[test]
    fn triangle_15() {
        assert_eq!(triangle(15), (0..=15u64).sum::<u64>());
    }

    #[test]
    fn triangle_16() {
        assert_eq!(triangle(16), (0..=16u64).sum::<u64>());
    }

    #[test]
    fn triangle_17() {
        assert_eq!(triangle(17), (0..=17u64).sum::<u64>());
    }

    #[test]
    fn triangle_18() {
        assert_eq!(triangle(18), (0..=18u64).sum::<u64>());
    }

    #[test]
    fn triangle_19() {
        assert_eq!(triangle(19), (0..=19u64).sum::<u64>());
    }

    #[test]
    fn triangle_20() {
        assert_eq!(triangle(20), (0..=20u64).sum::<u64>());
    }

    #[test]
    fn triangle_21() {
        assert_eq!(triangle(21), (0..=21u64).sum::<u64>());
    }

    #[test]
    fn triangle_22() {
        assert_eq!(triangle(22), (0..=22u64).sum::<u64>());
    }

    #[test]
    fn triangle_23() {
        assert_eq!(triangle(23), (0..=23u64).sum::<u64>());
    }

    #[test]
    fn triangle_24() {
        assert_eq!(triangle(24), (0..=24u64).sum::<u64>());
    }

    #[test]
    fn triangle_25() {
        assert_eq!(triangle(25), (0..=25u64).sum::<u64>());
    }

    #[test]
    fn triangle_26() {
        assert_eq!(triangle(26), (0..=26u64).sum::<u64>());
    }

    #[test]
    fn triangle_27() {
        assert_eq!(triangle(27), (0..=27u64).sum::<u64>());
    }

    #[test]
    fn triangle_28() {
        assert_eq!(triangle(28), (0..=28u64).sum::<u64>());
    }

    #[test]
    fn triangle_29() {
        assert_eq!(triangle(29), (0..=29u64).sum::<u64>());
    }

    #[test]
    fn triangle_30() {
        assert_eq!(triangle(30), (0..=30u64).sum::<u64>());
    }

    #[test]
    fn triangle_31() {
        assert_eq!(triangle(31), (0..=31u64).sum::<u64>());
    }

    #[test]
    fn triangle_32() {
        assert_eq!(triangle(32), (0..=32u64).sum::<u64>());
    }

    #[test]
    fn triangle_33() {
        assert_eq!(triangle(33), (0..=33u64).sum::<u64>());
    }

    #[test]
    fn triangle_34() {
        assert_eq!(triangle(34), (0..=34u64).sum::<u64>());
    }

    #[test]
    fn triangle_35() {
        assert_eq!(triangle(35), (0..=35u64).sum::<u64>());
    }

    #[test]
    fn triangle_36() {
        assert_eq!(triangle(36), (0..=36u64).sum::<u64>());
    }

    #[test]
    fn triangle_37() {
        assert_eq!(triangle(37), (0..=37u64).sum::<u64>());
    }

    #[test]
    fn triangle_38() {
        assert_eq!(triangle(38), (0..=38u64).sum::<u64>());
    }

    #[test]
    fn triangle_39() {
        assert_eq!(triangle(39), (0..=39u64).sum::<u64>());
    }

    #[test]
    fn triangle_40() {
        assert_eq!(triangle(40), (0..=40u64).sum::<u64>());
    }

    #[test]
    fn triangle_41() {
        assert_eq!(triangle(41), (0..=41u64).sum::<u64>());
    }

    #[test]
    fn triangle_42() {
        assert_eq!(triangle(42), (0..=42u64).sum::<u64>());
    }

    #[test]
    fn triangle_43() {
        assert_eq!(triangle(43), (0..=43u64).sum::<u64>());
    }

    #[test]
    fn triangle_44() {
        assert_eq!(triangle(44), (0..=44u64).sum::<u64>());
    }

    #[test]
    fn triangle_45() {
        assert_eq!(triangle(45), (0..=45u64).sum::<u64>());
    }

    #[test]
    fn triangle_46() {
        assert_eq!(triangle(46), (0..=46u64).sum::<u64>());
    }

    #[test]
    fn triangle_47() {
        assert_eq!(triangle(47), (0..=47u64).sum::<u64>());
    }

    #[test]
    fn triangle_48() {
        assert_eq!(triangle(48), (0..=48u64).sum::<u64>());
    }

    #[test]
    fn triangle_49() {
        assert_eq!(triangle(49), (0..=49u64).sum::<u64>());
    }

    #[test]
    fn triangle_50() {
        assert_eq!(triangle(50), (0..=50u64).sum::<u64>());
    }

    #[test]
    fn triangle_51() {
        assert_eq!(triangle(51), (0..=51u64).sum::<u64>());
    }

    #[test]
    fn triangle_52() {
        assert_eq!(triangle(52), (0..=52u64).sum::<u64>());
    }

    #[test]
    fn triangle_53() {
        assert_eq!(triangle(53), (0..=53u64).sum::<u64>());
    }

    #[test]
    fn triangle_54() {
        assert_eq!(triangle(54), (0..=54u64).sum::<u64>());
    }

    #[test]
    fn triangle_55() {
        assert_eq!(triangle(55), (0..=55u64).sum::<u64>());
    }

    #[test]
    fn triangle_56() {
        assert_eq!(triangle(56), (0..=56u64).sum::<u64>());
    }

    #[test]
    fn triangle_57() {
        assert_eq!(triangle(57), (0..=57u64).sum::<u64>());
    }

    #[test]
    fn triangle_58() {
        assert_eq!(triangle(58), (0..=58u64).sum::<u64>());
    }

    #[test]
    fn triangle_59() {
        assert_eq!(triangle(59), (0..=59u64).sum::<u64>());
    }

    #[test]
    fn triangle_60() {
        assert_eq!(triangle(60), (0..=60u64).sum::<u64>());
    }

    #[test]
    fn triangle_61() {
        assert_eq!(triangle(61), (0..=61u64).sum::<u64>());
    }

    #[test]
    fn triangle_62() {
        assert_eq!(triangle(62), (0..=62u64).sum::<u64>());
    }

    #[test]
    fn triangle_63() {
        assert_eq!(triangle(63), (0..=63u64).sum::<u64>());
    }

    #[test]
    fn triangle_64() {
        assert_eq!(triangle(64), (0..=64u64).sum::<u64>());
    }

    #[test]
    fn triangle_65() {
        assert_eq!(triangle(65), (0..=65u64).sum::<u64>());
    }

    #[test]
    fn triangle_66() {
        assert_eq!(triangle(66), (0..=66u64).sum::<u64>());
    }

    #[test]
    fn triangle_67() {
        assert_eq!(triangle(67), (0..=67u64).sum::<u64>());
    }

    #[test]
    fn triangle_68() {
        assert_eq!(triangle(68), (0..=68u64).sum::<u64>());
    }

    #[test]
    fn triangle_69() {
        assert_eq!(triangle(69), (0..=69u64).sum::<u64>());
    }

    #[test]
    fn triangle_70() {
        assert_eq!(triangle(70), (0..=70u64).sum::<u64>());
    }

    #[test]
    fn triangle_71() {
        assert_eq!(triangle(71), (0..=71u64).sum::<u64>());
    }

    #[test]
    fn triangle_72() {
        assert_eq!(triangle(72), (0..=72u64).sum::<u64>());
    }

    #[test]
    fn triangle_73() {
        assert_eq!(triangle(73), (0..=73u64).sum::<u64>());
    }

    #[test]
    fn triangle_74() {
        assert_eq!(triangle(74), (0..=74u64).sum::<u64>());
    }

    #[test]
    fn triangle_75() {
        assert_eq!(triangle(75), (0..=75u64).sum::<u64>());
    }

    #[test]
    fn triangle_76() {
        assert_eq!(triangle(76), (0..=76u64).sum::<u64>());
    }

    #[test]
    fn triangle_77() {
        assert_eq!(triangle(77), (0..=77u64).sum::<u64>());
    }

    #[test]
    fn triangle_78() {
        assert_eq!(triangle(78), (0..=78u64).sum::<u64>());
    }

    #[test]
    fn triangle_79() {
        assert_eq!(triangle(79), (0..=79u64).sum::<u64>());
    }

    #[test]
    fn triangle_80() {
        assert_eq!(triangle(80), (0..=80u64).sum::<u64>());
    }

    #[test]
    fn triangle_81() {
        assert_eq!(triangle(81), (0..=81u64).sum::<u64>());
    }

    #[test]
    fn triangle_82() {
        assert_eq!(triangle(82), (0..=82u64).sum::<u64>());
    }

    #[test]
    fn triangle_83() {
        assert_eq!(triangle(83), (0..=83u64).sum::<u64>());
    }

    #[test]
    fn triangle_84() {
        assert_eq!(triangle(84), (0..=84u64).sum::<u64>());
    }

    #[test]
    fn triangle_85() {
        assert_eq!(triangle(85), (0..=85u64).sum::<u64>());
    }

    #[test]
    fn triangle_86() {
        assert_eq!(triangle(86), (0..=86u64).sum::<u64>());
    }

    #[test]
    fn triangle_87() {
        assert_eq!(triangle(87), (0..=87u64).sum::<u64>());
    }

    #[test]
    fn triangle_88() {
        assert_eq!(triangle(88), (0..=88u64).sum::<u64>());
    }

    #[test]
    fn triangle_89() {
        assert_eq!(triangle(89), (0..=89u64).sum::<u64>());
    }

    #[test]
    fn triangle_90() {
        assert_eq!(triangle(90), (0..=90u64).sum::<u64>());
    }

    #[test]
    fn triangle_91() {
        assert_eq!(triangle(91), (0..=91u64).sum::<u64>());
    }

    #[test]
    fn triangle_92() {
        assert_eq!(triangle(92), (0..=92u64).sum::<u64>());
    }

    #[test]
    fn triangle_93() {
        assert_eq!(triangle(93), (0..=93u64).sum::<u64>());
    }

    #[test]
    fn triangle_94() {
        assert_eq!(triangle(94), (0..=94u64).sum::<u64>());
    }

    #[test]
    fn triangle_95() {
        assert_eq!(triangle(95), (0..=95u64).sum::<u64>());
    }

    #[test]
    fn triangle_96() {
        assert_eq!(triangle(96), (0..=96u64).sum::<u64>());
    }

    #[test]
    fn triangle_97() {
        assert_eq!(triangle(97), (0..=97u64).sum::<u64>());
    }

    #[test]
    fn triangle_98() {
        assert_eq!(triangle(98), (0..=98u64).sum::<u64>());
    }

    #[test]
    fn triangle_99() {
        assert_eq!(triangle(99), (0..=99u64).sum::<u64>());
    }

    #[test]
    fn triangle_100() {
        assert_eq!(triangle(100), (0..=100u64).sum::<u64>());
    }

    #[test]
    fn triangle_101() {
        assert_eq!(triangle(101), (0..=101u64).sum::<u64>());
    }

    #[test]
    fn triangle_102() {
        assert_eq!(triangle(102), (0..=102u64).sum::<u64>());
    }

    #[test]
    fn triangle_103() {
        assert_eq!(triangle(103), (0..=103u64).sum::<u64>());
    }

    #[test]
    fn triangle_104() {
        assert_eq!(triangle(104), (0..=104u64).sum::<u64>());
    }

    #[test]
    fn triangle_105() {
        assert_eq!(triangle(105), (0..=105u64).sum::<u64>());
    }

    #[test]
    fn triangle_106() {
        assert_eq!(triangle(106), (0..=106u64).sum::<u64>());
    }

    #[test]
    fn triangle_107() {
        assert_eq!(triangle(107), (0..=107u64).sum::<u64>());
    }

    #[test]
    fn triangle_108() {
        assert_eq!(triangle(108), (0..=108u64).sum::<u64>());
    }

    #[test]
    fn triangle_109() {
        assert_eq!(triangle(109), (0..=109u64).sum::<u64>());
    }

    #[test]
    fn triangle_110() {
        assert_eq!(triangle(110), (0..=110u64).sum::<u64>());
    }

    #[test]
    fn triangle_111() {
        assert_eq!(triangle(111), (0..=111u64).sum::<u64>());
    }

    #[test]
    fn triangle_112() {
        assert_eq!(triangle(112), (0..=112u64).sum::<u64>());
    }

    #[test]
    fn triangle_113() {
        assert_eq!(triangle(113), (0..=113u64).sum::<u64>());
    }

    #[test]
    fn triangle_114() {
        assert_eq!(triangle(114), (0..=114u64).sum::<u64>());
    }

    #[test]
    fn triangle_115() {
        assert_eq!(triangle(115), (0..=115u64).sum::<u64>());
    }

    #[test]
    fn triangle_116() {
        assert_eq!(triangle(116), (0..=116u64).sum::<u64>());
    }

    #[test]
    fn triangle_117() {
        assert_eq!(triangle(117), (0..=117u64).sum::<u64>());
    }

    #[test]
    fn triangle_118() {
        assert_eq!(triangle(118), (0..=118u64).sum::<u64>());
    }

    #[test]
    fn triangle_119() {
        assert_eq!(triangle(119), (0..=119u64).sum::<u64>());
    }

    #[test]
    fn triangle_120() {
        assert_eq!(triangle(120), (0..=120u64).sum::<u64>());
    }

    #[test]
    fn triangle_121() {
        assert_eq!(triangle(121), (0..=121u64).sum::<u64>());
    }

    #[test]
    fn triangle_122() {
        assert_eq!(triangle(122), (0..=122u64).sum::<u64>());
    }

    #[test]
    fn triangle_123() {
        assert_eq!(triangle(123), (0..=123u64).sum::<u64>());
    }

    #[test]
    fn triangle_124() {
        assert_eq!(triangle(124), (0..=124u64).sum::<u64>());
    }

    #[test]
    fn triangle_125() {
        assert_eq!(triangle(125), (0..=125u64).sum::<u64>());
    }

    #[test]
    fn triangle_126() {
        assert_eq!(triangle(126), (0..=126u64).sum::<u64>());
    }

    #[test]
    fn triangle_127() {
        assert_eq!(triangle(127), (0..=127u64).sum::<u64>());
    }

    #[test]
    fn triangle_128() {
        assert_eq!(triangle(128), (0..=128u64).sum::<u64>());
    }

    #[test]
    fn triangle_129() {
        assert_eq!(triangle(129), (0..=129u64).sum::<u64>());
    }

    #[test]
    fn triangle_130() {
        assert_eq!(triangle(130), (0..=130u64).sum::<u64>());
    }

    #[test]
    fn triangle_131() {
        assert_eq!(triangle(131), (0..=131u64).sum::<u64>());
    }

    #[test]
    fn triangle_132() {
        assert_eq!(triangle(132), (0..=132u64).sum::<u64>());
    }

    #[test]
    fn triangle_133() {
        assert_eq!(triangle(133), (0..=133u64).sum::<u64>());
    }

    #[test]
    fn triangle_134() {
        assert_eq!(triangle(134), (0..=134u64).sum::<u64>());
    }

    #[test]
    fn triangle_135() {
        assert_eq!(triangle(135), (0..=135u64).sum::<u64>());
    }

    #[test]
    fn triangle_136() {
        assert_eq!(triangle(136), (0..=136u64).sum::<u64>());
    }

    #[test]
    fn triangle_137() {
        assert_eq!(triangle(137), (0..=137u64).sum::<u64>());
    }

    #[test]
    fn triangle_138() {
        assert_eq!(triangle(138), (0..=138u64).sum::<u64>());
    }

    #[test]
    fn triangle_139() {
        assert_eq!(triangle(139), (0..=139u64).sum::<u64>());
    }

    #[test]
    fn triangle_140() {
        assert_eq!(triangle(140), (0..=140u64).sum::<u64>());
    }

    #[test]
    fn triangle_141() {
        assert_eq!(triangle(141), (0..=141u64).sum::<u64>());
    }

    #[test]
    fn triangle_142() {
        assert_eq!(triangle(142), (0..=142u64).sum::<u64>());
    }

    #[test]
    fn triangle_143() {
        assert_eq!(triangle(143), (0..=143u64).sum::<u64>());
    }

    #[test]
    fn triangle_144() {
        assert_eq!(triangle(144), (0..=144u64).sum::<u64>());
    }

    #[test]
    fn triangle_145() {
        assert_eq!(triangle(145), (0..=145u64).sum::<u64>());
    }

    #[test]
    fn triangle_146() {
        assert_eq!(triangle(146), (0..=146u64).sum::<u64>());
    }

    #[test]
    fn triangle_147() {
        assert_eq!(triangle(147), (0..=147u64).sum::<u64>());
    }

    #[test]
    fn triangle_148() {
        assert_eq!(triangle(148), (0..=148u64).sum::<u64>());
    }

    #[test]
    fn triangle_149() {
        assert_eq!(triangle(149), (0..=149u64).sum::<u64>());
    }

    #[test]
    fn triangle_150() {
        assert_eq!(triangle(150), (0..=150u64).sum::<u64>());
    }

    #[test]
    fn triangle_151() {
        assert_eq!(triangle(151), (0..=151u64).sum::<u64>());
    }

    #[test]
    fn triangle_152() {
        assert_eq!(triangle(152), (0..=152u64).sum::<u64>());
    }

    #[test]
    fn triangle_153() {
        assert_eq!(triangle(153), (0..=153u64).sum::<u64>());
    }

    #[test]
    fn triangle_154() {
        assert_eq!(triangle(154), (0..=154u64).sum::<u64>());
    }

    #[test]
    fn triangle_155() {
        assert_eq!(triangle(155), (0..=155u64).sum::<u64>());
    }

    #[test]
    fn triangle_156() {
        assert_eq!(triangle(156), (0..=156u64).sum::<u64>());
    }

    #[test]
    fn triangle_157() {
        assert_eq!(triangle(157), (0..=157u64).sum::<u64>());
    }

    #[test]
    fn triangle_158() {
        assert_eq!(triangle(158), (0..=158u64).sum::<u64>());
    }

    #[test]
    fn triangle_159() {
        assert_eq!(triangle(159), (0..=159u64).sum::<u64>());
    }

    #[test]
    fn triangle_160() {
        assert_eq!(triangle(160), (0..=160u64).sum::<u64>());
    }

    #[test]
    fn triangle_161() {
        assert_eq!(triangle(161), (0..=161u64).sum::<u64>());
    }

    #[test]
    fn triangle_162() {
        assert_eq!(triangle(162), (0..=162u64).sum::<u64>());
    }

    #[test]
    fn triangle_163() {
        assert_eq!(triangle(163), (0..=163u64).sum::<u64>());
    }

    #[test]
    fn triangle_164() {
        assert_eq!(triangle(164), (0..=164u64).sum::<u64>());
    }

    #[test]
    fn triangle_165() {
        assert_eq!(triangle(165), (0..=165u64).sum::<u64>());
    }

    #[test]
    fn triangle_166() {
        assert_eq!(triangle(166), (0..=166u64).sum::<u64>());
    }

    #[test]
    fn triangle_167() {
        assert_eq!(triangle(167), (0..=167u64).sum::<u64>());
    }

    #[test]
    fn triangle_168() {
        assert_eq!(triangle(168), (0..=168u64).sum::<u64>());
    }

    #[test]
    fn triangle_169() {
        assert_eq!(triangle(169), (0..=169u64).sum::<u64>());
    }

    #[test]
    fn triangle_170() {
        assert_eq!(triangle(170), (0..=170u64).sum::<u64>());
    }

    #[test]
    fn triangle_171() {
        assert_eq!(triangle(171), (0..=171u64).sum::<u64>());
    }

    #[test]
    fn triangle_172() {
        assert_eq!(triangle(172), (0..=172u64).sum::<u64>());
    }

    #[test]
    fn triangle_173() {
        assert_eq!(triangle(173), (0..=173u64).sum::<u64>());
    }

    #[test]
    fn triangle_174() {
        assert_eq!(triangle(174), (0..=174u64).sum::<u64>());
    }

    #[test]
    fn triangle_175() {
        assert_eq!(triangle(175), (0..=175u64).sum::<u64>());
    }

    #[test]
    fn triangle_176() {
        assert_eq!(triangle(176), (0..=176u64).sum::<u64>());
    }

    #[test]
    fn triangle_177() {
        assert_eq!(triangle(177), (0..=177u64).sum::<u64>());
    }

    #[test]
    fn triangle_178() {
        assert_eq!(triangle(178), (0..=178u64).sum::<u64>());
    }

    #[test]
    fn triangle_179() {
        assert_eq!(triangle(179), (0..=179u64).sum::<u64>());
    }

    #[test]
    fn triangle_180() {
        assert_eq!(triangle(180), (0..=180u64).sum::<u64>());
    }

    #[test]
    fn triangle_181() {
        assert_eq!(triangle(181), (0..=181u64).sum::<u64>());
    }

    #[test]
    fn triangle_182() {
        assert_eq!(triangle(182), (0..=182u64).sum::<u64>());
    }

    #[test]
    fn triangle_183() {
        assert_eq!(triangle(183), (0..=183u64).sum::<u64>());
    }

    #[test]
    fn triangle_184() {
        assert_eq!(triangle(184), (0..=184u64).sum::<u64>());
    }

    #[test]
    fn triangle_185() {
        assert_eq!(triangle(185), (0..=185u64).sum::<u64>());
    }

    #[test]
    fn triangle_186() {
        assert_eq!(triangle(186), (0..=186u64).sum::<u64>());
    }

    #[test]
    fn triangle_187() {
        assert_eq!(triangle(187), (0..=187u64).sum::<u64>());
    }

    #[test]
    fn triangle_188() {
        assert_eq!(triangle(188), (0..=188u64).sum::<u64>());
    }

    #[test]
    fn triangle_189() {
        assert_eq!(triangle(189), (0..=189u64).sum::<u64>());
    }

    #[test]
    fn triangle_190() {
        assert_eq!(triangle(190), (0..=190u64).sum::<u64>());
    }

    #[test]
    fn triangle_191() {
        assert_eq!(triangle(191), (0..=191u64).sum::<u64>());
    }

    #[test]
    fn triangle_192() {
        assert_eq!(triangle(192), (0..=192u64).sum::<u64>());
    }

    #[test]
    fn triangle_193() {
        assert_eq!(triangle(193), (0..=193u64).sum::<u64>());
    }

    #[test]
    fn triangle_194() {
        assert_eq!(triangle(194), (0..=194u64).sum::<u64>());
    }

    #[test]
    fn triangle_195() {
        assert_eq!(triangle(195), (0..=195u64).sum::<u64>());
    }

    #[test]
    fn triangle_196() {
        assert_eq!(triangle(196), (0..=196u64).sum::<u64>());
    }

    #[test]
    fn triangle_197() {
        assert_eq!(triangle(197), (0..=197u64).sum::<u64>());
    }

    #[test]
    fn triangle_198() {
        assert_eq!(triangle(198), (0..=198u64).sum::<u64>());
    }

    #[test]
    fn triangle_199() {
        assert_eq!(triangle(199), (0..=199u64).sum::<u64>());
    }

    #[test]
    fn triangle_200() {
        assert_eq!(triangle(200), (0..=200u64).sum::<u64>());
    }

    #[test]
    fn triangle_201() {
        assert_eq!(triangle(201), (0..=201u64).sum::<u64>());
    }

    #[test]
    fn triangle_202() {
        assert_eq!(triangle(202), (0..=202u64).sum::<u64>());
    }

    #[test]
    fn triangle_203() {
        assert_eq!(triangle(203), (0..=203u64).sum::<u64>());
    }

    #[test]
    fn triangle_204() {
        assert_eq!(triangle(204), (0..=204u64).sum::<u64>());
    }

    #[test]
    fn triangle_205() {
        assert_eq!(triangle(205), (0..=205u64).sum::<u64>());
    }

    #[test]
    fn triangle_206() {
        assert_eq!(triangle(206), (0..=206u64).sum::<u64>());
    }

    #[test]
    fn triangle_207() {
        assert_eq!(triangle(207), (0..=207u64).sum::<u64>());
    }

    #[test]
    fn triangle_208() {
        assert_eq!(triangle(208), (0..=208u64).sum::<u64>());
    }

    #[test]
    fn triangle_209() {
        assert_eq!(triangle(209), (0..=209u64).sum::<u64>());
    }

    #[test]
    fn triangle_210() {
        assert_eq!(triangle(210), (0..=210u64).sum::<u64>());
    }

    #[test]
    fn triangle_211() {
        assert_eq!(triangle(211), (0..=211u64).sum::<u64>());
    }

    #[test]
    fn triangle_212() {
        assert_eq!(triangle(212), (0..=212u64).sum::<u64>());
    }

    #[test]
    fn triangle_213() {
        assert_eq!(triangle(213), (0..=213u64).sum::<u64>());
    }

    #[test]
    fn triangle_214() {
        assert_eq!(triangle(214), (0..=214u64).sum::<u64>());
    }

    #[test]
    fn triangle_215() {
        assert_eq!(triangle(215), (0..=215u64).sum::<u64>());
    }

    #[test]
    fn triangle_216() {
        assert_eq!(triangle(216), (0..=216u64).sum::<u64>());
    }

    #[test]
    fn triangle_217() {
        assert_eq!(triangle(217), (0..=217u64).sum::<u64>());
    }

    #[test]
    fn triangle_218() {
        assert_eq!(triangle(218), (0..=218u64).sum::<u64>());
    }

    #[test]
    fn triangle_219() {
        assert_eq!(triangle(219), (0..=219u64).sum::<u64>());
    }

    #[test]
    fn triangle_220() {
        assert_eq!(triangle(220), (0..=220u64).sum::<u64>());
    }

    #[test]
    fn triangle_221() {
        assert_eq!(triangle(221), (0..=221u64).sum::<u64>());
    }

    #[test]
    fn triangle_222() {
        assert_eq!(triangle(222), (0..=222u64).sum::<u64>());
    }

    #[test]
    fn triangle_223() {
        assert_eq!(triangle(223), (0..=223u64).sum::<u64>());
    }

    #[test]
    fn triangle_224() {
        assert_eq!(triangle(224), (0..=224u64).sum::<u64>());
    }

    #[test]
    fn triangle_225() {
        assert_eq!(triangle(225), (0..=225u64).sum::<u64>());
    }

    #[test]
    fn triangle_226() {
        assert_eq!(triangle(226), (0..=226u64).sum::<u64>());
    }

    #[test]
    fn triangle_227() {
        assert_eq!(triangle(227), (0..=227u64).sum::<u64>());
    }

    #[test]
    fn triangle_228() {
        assert_eq!(triangle(228), (0..=228u64).sum::<u64>());
    }

    #[test]
    fn triangle_229() {
        assert_eq!(triangle(229), (0..=229u64).sum::<u64>());
    }

    #[test]
    fn triangle_230() {
        assert_eq!(triangle(230), (0..=230u64).sum::<u64>());
    }

    #[test]
    fn triangle_231() {
        assert_eq!(triangle(231), (0..=231u64).sum::<u64>());
    }

    #[test]
    fn triangle_232() {
        assert_eq!(triangle(232), (0..=232u64).sum::<u64>());
    }

    #[test]
    fn triangle_233() {
        assert_eq!(triangle(233), (0..=233u64).sum::<u64>());
    }

    #[test]
    fn triangle_234() {
        assert_eq!(triangle(234), (0..=234u64).sum::<u64>());
    }

    #[test]
    fn triangle_235() {
        assert_eq!(triangle(235), (0..=235u64).sum::<u64>());
    }

    #[test]
    fn triangle_236() {
        assert_eq!(triangle(236), (0..=236u64).sum::<u64>());
    }

    #[test]
    fn triangle_237() {
        assert_eq!(triangle(237), (0..=237u64).sum::<u64>());
    }

    #[test]
    fn triangle_238() {
        assert_eq!(triangle(238), (0..=238u64).sum::<u64>());
    }

    #[test]
    fn triangle_239() {
        assert_eq!(triangle(239), (0..=239u64).sum::<u64>());
    }

    #[test]
    fn triangle_240() {
        assert_eq!(triangle(240), (0..=240u64).sum::<u64>());
    }

    #[test]
    fn triangle_241() {
        assert_eq!(triangle(241), (0..=241u64).sum::<u64>());
    }

    #[test]
    fn triangle_242() {
        assert_eq!(triangle(242), (0..=242u64).sum::<u64>());
    }

    #[test]
    fn triangle_243() {
        assert_eq!(triangle(243), (0..=243u64).sum::<u64>());
    }

    #[test]
    fn triangle_244() {
        assert_eq!(triangle(244), (0..=244u64).sum::<u64>());
    }

    #[test]
    fn triangle_245() {
        assert_eq!(triangle(245), (0..=245u64).sum::<u64>());
    }

    #[test]
    fn triangle_246() {
        assert_eq!(triangle(246), (0..=246u64).sum::<u64>());
    }

    #[test]
    fn triangle_247() {
        assert_eq!(triangle(247), (0..=247u64).sum::<u64>());
    }

    #[test]
    fn triangle_248() {
        assert_eq!(triangle(248), (0..=248u64).sum::<u64>());
    }

    #[test]
    fn triangle_249() {
        assert_eq!(triangle(249), (0..=249u64).sum::<u64>());
    }

    #[test]
    fn triangle_250() {
        assert_eq!(triangle(250), (0..=250u64).sum::<u64>());
    }

    #[test]
    fn triangle_251() {
        assert_eq!(triangle(251), (0..=251u64).sum::<u64>());
    }

    #[test]
    fn triangle_252() {
        assert_eq!(triangle(252), (0..=252u64).sum::<u64>());
    }

    #[test]
    fn triangle_253() {
        assert_eq!(triangle(253), (0..=253u64).sum::<u64>());
    }

    #[test]
    fn triangle_254() {
        assert_eq!(triangle(254), (0..=254u64).sum::<u64>());
    }

    #[test]
    fn triangle_255() {
        assert_eq!(triangle(255), (0..=255u64).sum::<u64>());
    }

    #[test]
    fn triangle_256() {
        assert_eq!(triangle(256), (0..=256u64).sum::<u64>());
    }

    #[test]
    fn triangle_257() {
        assert_eq!(triangle(257), (0..=257u64).sum::<u64>());
    }

    #[test]
    fn triangle_258() {
        assert_eq!(triangle(258), (0..=258u64).sum::<u64>());
    }

    #[test]
    fn triangle_259() {
        assert_eq!(triangle(259), (0..=259u64).sum::<u64>());
    }

    #[test]
    fn triangle_260() {
        assert_eq!(triangle(260), (0..=260u64).sum::<u64>());
    }

    #[test]
    fn triangle_261() {
        assert_eq!(triangle(261), (0..=261u64).sum::<u64>());
    }

    #[test]
    fn triangle_262() {
        assert_eq!(triangle(262), (0..=262u64).sum::<u64>());
    }

    #[test]
    fn triangle_263() {
        assert_eq!(triangle(263), (0..=263u64).sum::<u64>());
    }

    #[test]
    fn triangle_264() {
        assert_eq!(triangle(264), (0..=264u64).sum::<u64>());
    }

    #[test]
    fn triangle_265() {
        assert_eq!(triangle(265), (0..=265u64).sum::<u64>());
    }

    #[test]
    fn triangle_266() {
        assert_eq!(triangle(266), (0..=266u64).sum::<u64>());
    }

    #[test]
    fn triangle_267() {
        assert_eq!(triangle(267), (0..=267u64).sum::<u64>());
    }

    #[test]
    fn triangle_268() {
        assert_eq!(triangle(268), (0..=268u64).sum::<u64>());
    }

    #[test]
    fn triangle_269() {
        assert_eq!(triangle(269), (0..=269u64).sum::<u64>());
    }

    #[test]
    fn triangle_270() {
        assert_eq!(triangle(270), (0..=270u64).sum::<u64>());
    }

    #[test]
    fn triangle_271() {
        assert_eq!(triangle(271), (0..=271u64).sum::<u64>());
    }

    #[test]
    fn triangle_272() {
        assert_eq!(triangle(272), (0..=272u64).sum::<u64>());
    }

    #[test]
    fn triangle_273() {
        assert_eq!(triangle(273), (0..=273u64).sum::<u64>());
    }

    #[test]
    fn triangle_274() {
        assert_eq!(triangle(274), (0..=274u64).sum::<u64>());
    }

    #[test]
    fn triangle_275() {
        assert_eq!(triangle(275), (0..=275u64).sum::<u64>());
    }

    #[test]
    fn triangle_276() {
        assert_eq!(triangle(276), (0..=276u64).sum::<u64>());
    }

    #[test]
    fn triangle_277() {
        assert_eq!(triangle(277), (0..=277u64).sum::<u64>());
    }

    #[test]
    fn triangle_278() {
        assert_eq!(triangle(278), (0..=278u64).sum::<u64>());
    }

    #[test]
    fn triangle_279() {
        assert_eq!(triangle(279), (0..=279u64).sum::<u64>());
    }

    #[test]
    fn triangle_280() {
        assert_eq!(triangle(280), (0..=280u64).sum::<u64>());
    }

    #[test]
    fn triangle_281() {
        assert_eq!(triangle(281), (0..=281u64).sum::<u64>());
    }

    #[test]
    fn triangle_282() {
        assert_eq!(triangle(282), (0..=282u64).sum::<u64>());
    }

    #[test]
    fn triangle_283() {
        assert_eq!(triangle(283), (0..=283u64).sum::<u64>());
    }

    #[test]
    fn triangle_284() {
        assert_eq!(triangle(284), (0..=284u64).sum::<u64>());
    }

    #[test]
    fn triangle_285() {
        assert_eq!(triangle(285), (0..=285u64).sum::<u64>());
    }

    #[test]
    fn triangle_286() {
        assert_eq!(triangle(286), (0..=286u64).sum::<u64>());
    }

    #[test]
    fn triangle_287() {
        assert_eq!(triangle(287), (0..=287u64).sum::<u64>());
    }

    #[test]
    fn triangle_288() {
        assert_eq!(triangle(288), (0..=288u64).sum::<u64>());
    }

    #[test]
    fn triangle_289() {
        assert_eq!(triangle(289), (0..=289u64).sum::<u64>());
    }

    #[test]
    fn triangle_290() {
        assert_eq!(triangle(290), (0..=290u64).sum::<u64>());
    }

    #[test]
    fn triangle_291() {
        assert_eq!(triangle(291), (0..=291u64).sum::<u64>());
    }

    #[test]
    fn triangle_292() {
        assert_eq!(triangle(292), (0..=292u64).sum::<u64>());
    }

    #[test]
    fn triangle_293() {
        assert_eq!(triangle(293), (0..=293u64).sum::<u64>());
    }

    #[test]
    fn triangle_294() {
        assert_eq!(triangle(294), (0..=294u64).sum::<u64>());
    }

    #[test]
    fn triangle_295() {
        assert_eq!(triangle(295), (0..=295u64).sum::<u64>());
    }

    #[test]
    fn triangle_296() {
        assert_eq!(triangle(296), (0..=296u64).sum::<u64>());
    }

    #[test]
    fn triangle_297() {
        assert_eq!(triangle(297), (0..=297u64).sum::<u64>());
    }

    #[test]
    fn triangle_298() {
        assert_eq!(triangle(298), (0..=298u64).sum::<u64>());
    }

    #[test]
    fn triangle_299() {
        assert_eq!(triangle(299), (0..=299u64).sum::<u64>());
    }

    #[test]
    fn settles_0() {
        settle(50);
        assert_eq!(triangle(0) * 2, 0 * (0 + 1));
    }

    #[test]
    fn settles_1() {
        settle(50);
        assert_eq!(triangle(1) * 2, 1 * (1 + 1));
    }

    #[test]
    fn settles_2() {
        settle(50);
        assert_eq!(triangle(2) * 2, 2 * (2 + 1));
    }

    #[test]
    fn settles_3() {
        settle(50);
        assert_eq!(triangle(3) * 2, 3 * (3 + 1));
    }

    #[test]
    fn settles_4() {
        settle(50);
        assert_eq!(triangle(4) * 2, 4 * (4 + 1));
    }

    #[test]
    fn settles_5() {
        settle(50);
        assert_eq!(triangle(5) * 2, 5 * (5 + 1));
    }

    #[test]
    fn settles_6() {
        settle(50);
        assert_eq!(triangle(6) * 2, 6 * (6 + 1));
    }

    #[test]
    fn settles_7() {
        settle(50);
        assert_eq!(triangle(7) * 2, 7 * (7 + 1));
    }

    #[test]
    fn settles_8() {
        settle(50);
        assert_eq!(triangle(8) * 2, 8 * (8 + 1));
    }

    #[test]
    fn settles_9() {
        settle(50);
        assert_eq!(triangle(9) * 2, 9 * (9 + 1));
    }

}
