//! A fixed-price NFT marketplace. Sellers list an NFT with a price in EGLD;
//! buyers pay the price, the seller receives it minus the marketplace fee,
//! which goes to the configured fee receiver.
//!
//! With `--features vulnerable` the `setFeeReceiver` setter lacks the owner
//! check (`#[only_owner]` / `check_caller_is_owner()`) that the other
//! configuration endpoints carry, so anybody can redirect every future
//! marketplace fee to themselves.
#![no_std]

use multiversx_sc::{derive_imports::*, imports::*};

const PERCENTAGE_TOTAL: u64 = 10_000;
const MAX_FEE: u64 = 1_000; // 10%

#[type_abi]
#[derive(TopEncode, TopDecode)]
pub struct Listing<M: ManagedTypeApi> {
    pub seller: ManagedAddress<M>,
    pub token_id: EsdtTokenIdentifier<M>,
    pub nonce: u64,
    pub price: BigUint<M>,
}

#[multiversx_sc::contract]
pub trait NftMarketplace {
    #[init]
    fn init(&self, fee_percentage: u64) {
        require!(fee_percentage <= MAX_FEE, "fee too high");
        self.fee_percentage().set(fee_percentage);
        self.fee_receiver().set(self.blockchain().get_caller());
    }

    #[upgrade]
    fn upgrade(&self) {}

    #[only_owner]
    #[endpoint(setFeePercentage)]
    fn set_fee_percentage(&self, fee_percentage: u64) {
        require!(fee_percentage <= MAX_FEE, "fee too high");
        self.fee_percentage().set(fee_percentage);
    }

    #[endpoint(setFeeReceiver)]
    fn set_fee_receiver(&self, receiver: ManagedAddress) {
        // what #[only_owner] expands to
        #[cfg(not(feature = "vulnerable"))]
        self.blockchain().check_caller_is_owner();
        require!(!receiver.is_zero(), "invalid fee receiver");
        self.fee_receiver().set(receiver);
    }

    #[payable("*")]
    #[endpoint(listNft)]
    fn list_nft(&self, price: BigUint) -> u64 {
        let payment = self.call_value().single_esdt();
        require!(payment.token_nonce > 0, "only NFTs/SFTs can be listed");
        require!(price > 0u32, "price must be positive");

        let listing_id = self.last_listing_id().update(|id| {
            *id += 1;
            *id
        });
        self.listings(listing_id).set(Listing {
            seller: self.blockchain().get_caller(),
            token_id: payment.token_identifier.clone(),
            nonce: payment.token_nonce,
            price,
        });
        listing_id
    }

    #[payable("EGLD")]
    #[endpoint]
    fn buy(&self, listing_id: u64) {
        let listing_mapper = self.listings(listing_id);
        require!(!listing_mapper.is_empty(), "no such listing");
        let listing = listing_mapper.take();
        let paid = self.call_value().egld().clone();
        require!(paid == listing.price, "wrong price");

        let fee = &listing.price * self.fee_percentage().get() / PERCENTAGE_TOTAL;
        let seller_part = &listing.price - &fee;
        let buyer = self.blockchain().get_caller();

        self.tx()
            .to(&buyer)
            .single_esdt(&listing.token_id, listing.nonce, &BigUint::from(1u32))
            .transfer();
        self.tx().to(&listing.seller).egld(&seller_part).transfer();
        if fee > 0u32 {
            self.tx().to(&self.fee_receiver().get()).egld(&fee).transfer();
        }
    }

    #[endpoint(cancelListing)]
    fn cancel_listing(&self, listing_id: u64) {
        let listing_mapper = self.listings(listing_id);
        require!(!listing_mapper.is_empty(), "no such listing");
        let listing = listing_mapper.get();
        require!(
            listing.seller == self.blockchain().get_caller(),
            "only the seller can cancel"
        );
        listing_mapper.clear();
        self.tx()
            .to(&listing.seller)
            .single_esdt(&listing.token_id, listing.nonce, &BigUint::from(1u32))
            .transfer();
    }

    #[view(getFeePercentage)]
    #[storage_mapper("feePercentage")]
    fn fee_percentage(&self) -> SingleValueMapper<u64>;

    #[view(getFeeReceiver)]
    #[storage_mapper("feeReceiver")]
    fn fee_receiver(&self) -> SingleValueMapper<ManagedAddress>;

    #[storage_mapper("lastListingId")]
    fn last_listing_id(&self) -> SingleValueMapper<u64>;

    #[view(getListing)]
    #[storage_mapper("listings")]
    fn listings(&self, listing_id: u64) -> SingleValueMapper<Listing<Self::Api>>;
}
