/**
 * Common emote names that viewers type as plain words: Twitch globals and the most used
 * BTTV, FFZ and 7TV ones. Used when the platform sends no emote data (YouTube, a replay, a
 * third-party emote that Twitch's `emotes` tag does not know). Extend it at run time with
 * EMOTES_FILE (one name per line); edit this list to ship more.
 *
 * Matching (src/routing/audience.ts): a token equal to a name counts as an emote; a token
 * equal to a name in lower case counts too, except for names that are ordinary words
 * (ENGLISH_WORD_EMOTES), which must match with their capitals ("Clap", not "clap").
 */
export const EMOTE_NAMES: readonly string[] = [
  // Twitch globals
  '4Head', 'ANELE', 'ArgieB8', 'ArsonNoSexy', 'AsexualPride', 'BabyRage', 'BatChest', 'BCWarrior', 'BegWan', 'BibleThump',
  'BigBrother', 'BigPhish', 'BisexualPride', 'BlackLivesMatter', 'BlargNaut', 'bleedPurple', 'BloodTrail', 'BOP', 'BrainSlug',
  'BrokeBack', 'BuddhaBar', 'CarlSmile', 'ChefFrank', 'cmonBruh', 'CoolCat', 'CoolStoryBob', 'CorgiDerp', 'CrreamAwk',
  'CurseLit', 'DansGame', 'DarkMode', 'DatSheffy', 'DBstyle', 'DendiFace', 'DinoDance', 'DogFace', 'DoritosChip', 'duDudu',
  'EarthDay', 'EleGiggle', 'EntropyWins', 'ExtraLife', 'FailFish', 'FBBlock', 'FBCatch', 'FBChallenge', 'FBPass', 'FBPenalty',
  'FBRun', 'FBSpiral', 'FBtouchdown', 'FootBall', 'FootGoal', 'FootYellow', 'FrankerZ', 'FreakinStinkin', 'FUNgineer',
  'FutureMan', 'GayPride', 'GenderFluidPride', 'GingerPower', 'GivePLZ', 'GlitchCat', 'GlitchLit', 'GlitchNRG', 'GrammarKing',
  'GunRun', 'HassaanChop', 'HassanChop', 'HeyGuys', 'HolidayCookie', 'HolidayLog', 'HolidayPresent', 'HolidaySanta',
  'HolidayTree', 'HotPokket', 'HSCheers', 'HSWP', 'InuyoFace', 'ItsBoshyTime', 'JKanStyle', 'Jebaited', 'Jebasted',
  'JonCarnage', 'KAPOW', 'KappaClaus', 'KappaPride', 'KappaRoss', 'KappaWealth', 'Kappa', 'Kappu', 'Keepo', 'KevinTurtle',
  'KomodoHype', 'KonCha', 'Kreygasm', 'LesbianPride', 'LUL', 'LuvBlondeR', 'LuvBlush', 'LuvBrownL', 'LuvCool', 'LuvGift',
  'LuvHearts', 'LuvOops', 'LuvPeekL', 'LuvSign', 'LuvSnooze', 'LuvUwu', 'MaxLOL', 'MercyWing1', 'MercyWing2', 'MikeHogu',
  'MingLee', 'ModLove', 'MorphinTime', 'MrDestructoid', 'MVGame', 'NinjaGrumpy', 'NomNom', 'NonbinaryPride', 'NotATK',
  'NotLikeThis', 'OhMyDog', 'OneHand', 'OpieOP', 'OptimizePrime', 'OSFrog', 'panicBasket', 'PanicVis', 'PansexualPride',
  'PartyHat', 'PartyTime', 'pastaThat', 'PeoplesChamp', 'PermaSmug', 'PicoMause', 'PinkMercy', 'PipeHype', 'PixelBob',
  'PJSalt', 'PJSugar', 'PMSTwin', 'PogChamp', 'PogBones', 'PoroSad', 'PopCorn', 'PopNemo', 'PorscheWIN', 'PowerUpL',
  'PowerUpR', 'PraiseIt', 'PRChase', 'PrimeMe', 'PunchTrees', 'PunOko', 'RaccAttack', 'RalpherZ', 'RedCoat', 'ResidentSleeper',
  'riPepperonis', 'RitzMitz', 'RlyTho', 'RuleFive', 'RyuChamp', 'SabaPing', 'SeemsGood', 'SeriousSloth', 'ShadyLulu',
  'ShazBotstix', 'SingsMic', 'SingsNote', 'SmoocherZ', 'SMOrc', 'SoBayed', 'SoonerLater', 'Squid1', 'Squid2', 'Squid3',
  'Squid4', 'SSSsss', 'StinkyCheese', 'StinkyGlitch', 'StoneLightning', 'StrawBeary', 'SuperVinlin', 'SwiftRage', 'TakeNRG',
  'TBAngel', 'TearGlove', 'TehePelo', 'TheIlluminati', 'TheRinger', 'TheTarFu', 'TheThing', 'ThunBeast', 'TinyFace',
  'TombRaid', 'TooSpicy', 'TPcrunchyroll', 'TPFufun', 'TransgenderPride', 'TriHard', 'TwitchConHYPE', 'TwitchLit',
  'TwitchRPG', 'TwitchSings', 'TwitchUnity', 'TwitchVotes', 'UWot', 'UnSane', 'UncleNox', 'VirtualHug', 'VoHiYo', 'VoteNay',
  'VoteYea', 'WholeWheat', 'WTRuck', 'WutFace', 'YouDontSay', 'YouWHY', 'bleedPurple', 'copyThis', 'imGlitch', 'mcaT',
  'NewRecord', 'DxCat', 'CaitlynS', 'GoatEmotey', 'GlitchSmile',
  // BTTV
  'AngelThump', 'BroBalt', 'bttvNice', 'bUrself', 'CandianRage', 'CiGrip', 'ConcernDoge', 'CruW', 'cvHazmat', 'cvL', 'cvMask',
  'cvR', 'D:', 'DatSauce', 'DogeWitIt', 'DuckerZ', 'FapFapFap', 'FeelsAmazingMan', 'FeelsBadMan', 'FeelsBirthdayMan',
  'FeelsGoodMan', 'FeelsOkayMan', 'FeelsStrongMan', 'FeelsWeirdMan', 'FireSpeed', 'FishMoley', 'ForeverAlone', 'GabeN',
  'haHAA', 'HailHelix', 'Hhhehehe', 'KappaCool', 'KaRappa', 'KKona', 'LuL', 'M&Mjc', 'monkaS', 'monkaW', 'monkaHmm',
  'NaM', 'notsquishY', 'PoleDoge', 'RarePepe', 'RonSmug', 'SaltyCorn', 'ShoopDaWhoop', 'sosGame', 'SourPls', 'SqShy',
  'TaxiBro', 'tehPoleCat', 'TwaT', 'VapeNation', 'VisLaud', 'WatChuSay', 'Wowee', 'WubTF', 'AYAYA', 'catJAM', 'Clap',
  'COPIUM', 'Copium', 'EZ', 'forsenCD', 'gachiBASS', 'gachiGASM', 'gachiHYPER', 'HACKERMANS', 'KEKW', 'LULW', 'modCheck',
  'monkaGIGA', 'OMEGALUL', 'peepoClap', 'peepoHappy', 'peepoSad', 'peepoLeave', 'peepoArrive', 'PepeHands', 'PepeLaugh',
  'Pepega', 'pepeD', 'pepeJAM', 'pepeMeltdown', 'PepoThink', 'PepeS', 'POGGERS', 'PogU', 'Pog', 'PogO', 'POGGIES',
  'ppOverheat', 'Sadge', 'sadE', 'Stare', 'TriKool', 'WeirdChamp', 'widepeepoHappy', 'widepeepoSad', 'YEP', 'NOPERS',
  'PauseChamp', 'PauseMan', '5Head', '3Head', 'HandsUp', 'BBoomer', 'Okayge', 'Madge', 'Bedge', 'Prayge', 'Hmmge',
  'Clueless', 'Aware', 'ICANT', 'Deadge', 'Wokege', 'Susge', 'Smadge', 'Stonks', 'peepoGiggles', 'KEKWait', 'OMEGADANCE',
  'ratJAM', 'pepeLaugh', 'ReallyMad', 'FeelsDankMan', 'forsenE', 'forsenPls', 'monkaOMEGA', 'PepeSpin', 'peepoPog',
  // FFZ
  'ZreknarF', 'LilZ', 'ZliL', 'BeanieHipster', 'YooHoo', 'ManChicken', 'CatBag', 'OMEGALUL', 'LULW', 'PepoG', 'monkaX',
  'HYPERS', 'REEeee', 'WeirdDude', 'FeelsSpecialMan', 'OkayChamp', 'PogTasty', 'Kapp', 'gasp',
  // 7TV
  'GIGACHAD', 'Gigachad', 'xdd', 'xddShrug', 'BOOBA', 'BASED', 'RIPBOZO', 'Chatting', 'Listening', 'Dance', 'DinkDonk',
  'WAYTOODANK', 'TrollDespair', 'Waiting', 'Gayge', 'Erm', 'Bruhge', 'peepoShy', 'Tasty', 'BLUBBERS', 'OOOO', 'forsenLevel',
  'Shruge', 'docnotL', 'LETSGO', 'PagMan', 'PagChomp', 'PogBones', 'catKISS', 'Kissahomie', 'RAGEY', 'NODDERS', 'NOPERS',
  'SNIFFA', 'COGGERS', 'Jigglin', 'HUH', 'Susge', 'nymnCorn', 'buh', 'Hmm', 'hmmMeeting', 'peepoTalk', 'ppHop', 'pepeW',
  'GIGAMAD', 'xqcL', 'xqcLL', 'ApuApustaja', 'EZY', 'BatChest', 'ThisIsFine', 'monkaTOS', 'peepoWTF', 'Stare', 'WICKED',
  'TOXIC', 'OhMyPoggies', 'forsenLaughingAtYou', 'Corpa', 'COCKA', 'GAMBA', 'GAMBAADDICT', 'POGCRAZY', 'POGSLIDE',
];

/** Names that are also ordinary words: counted only when typed with the emote's capitals. */
export const ENGLISH_WORD_EMOTES: ReadonlySet<string> = new Set(
  ['clap', 'stare', 'aware', 'clueless', 'wicked', 'dance', 'waiting', 'listening', 'chatting', 'tasty', 'based', 'hmm', 'huh', 'erm', 'gasp', 'toxic', 'yep', 'stonks', 'popcorn', 'nomnom', 'buh', 'd:'],
);
